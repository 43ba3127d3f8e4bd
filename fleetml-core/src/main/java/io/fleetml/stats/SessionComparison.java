package io.fleetml.stats;

import java.util.List;

/**
 * Two sessions' devices side by side: which are in both, which one only, and how a metric moved between them.
 *
 * @param a        the session compared from
 * @param b        the session compared to
 * @param metric   the metric
 * @param common   devices in both sessions
 * @param added    devices in {@code b} only
 * @param lost     devices in {@code a} only
 * @param compared devices with the metric in both
 * @param worse    compared devices whose metric got worse in {@code b}
 * @param better   compared devices whose metric got better
 * @param bins     the bins of both axes (the metric in {@code a} across, in {@code b} up)
 * @param cells    the non-empty cells: {@code x} the bin in {@code a}, {@code y} in {@code b}
 */
public record SessionComparison(String a, String b, HoldoutMetric metric, long common, long added, long lost, long compared,
                                long worse, long better, Bins bins, List<Scatter.Cell> cells) {

    public long same() {
        return compared - worse - better;
    }

    /**
     * One device's metric in both sessions.
     *
     * @param change how much worse: {@code b / a} for MSE (above 1 is worse), {@code b − a} for R² (below 0 is worse)
     */
    public record DeviceChange(String deviceId, double a, double b, double change) {
    }
}
