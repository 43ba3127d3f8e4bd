package io.fleetml.engine;

import io.fleetml.store.SessionRecord;
import io.fleetml.store.SessionSummary;

/**
 * A finished training session and its summary. The per-device outcomes are in the tracking store.
 *
 * @param trained devices trained by this run (for a resumed or retrained session, fewer than the session has)
 */
public record TrainReport(SessionRecord session, SessionSummary summary, long trained) {
}
