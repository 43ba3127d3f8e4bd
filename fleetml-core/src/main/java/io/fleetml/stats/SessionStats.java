package io.fleetml.stats;

import java.util.List;

/**
 * Aggregates over sessions' device runs, computed where they are stored. Each reads a session's runs a few times at
 * most, whatever their number, and returns a few hundred numbers.
 *
 * <p>Session ids are not checked: an unknown session has no runs (callers look the session up first, to say so).
 */
public interface SessionStats {

    /** Devices by outcome and by chosen model, and how many runs are recorded so far. */
    SessionCounts counts(String sessionId, long expected, boolean fleet);

    /** {@code bins} bins of {@code metric} across the session's devices. */
    Histogram histogram(String sessionId, HoldoutMetric metric, int bins);

    /** Training rows against {@code metric}, in {@code xBins × yBins} cells, with the {@code worst} worst devices as points. */
    Scatter scatter(String sessionId, HoldoutMetric metric, int xBins, int yBins, int worst);

    /** The {@code top} largest groups of failure reasons, each with up to {@code examples} devices. */
    Failures failures(String sessionId, int top, int examples);

    /** Session {@code a}'s devices against {@code b}'s, on {@code bins × bins} cells of {@code metric}. */
    SessionComparison compare(String a, String b, HoldoutMetric metric, int bins);

    /** The devices whose {@code metric} got worse from {@code a} to {@code b}, most worse first; a page of them. */
    List<SessionComparison.DeviceChange> worse(String a, String b, HoldoutMetric metric, int limit, long offset);

    /** The devices with a run in {@code in} and none in {@code notIn}, by device id; a page of them. */
    List<String> onlyIn(String in, String notIn, int limit, long offset);
}
