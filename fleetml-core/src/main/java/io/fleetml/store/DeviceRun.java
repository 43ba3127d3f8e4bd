package io.fleetml.store;

import io.fleetml.train.TrainOutcome;

/**
 * One device's run in one session, with where the session stands: a line of the device's history across sessions.
 *
 * @param sessionId     the session
 * @param experiment    its experiment
 * @param startedAt     when the session started, ISO-8601
 * @param sessionStatus the session's status as stored (a running session whose owner is gone may still read RUNNING here)
 * @param outcome       the device's run in it
 */
public record DeviceRun(String sessionId, String experiment, String startedAt, SessionStatus sessionStatus, TrainOutcome outcome) {
}
