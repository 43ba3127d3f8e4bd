package io.fleetml.stats;

import io.fleetml.train.TrainOutcome;

import java.util.Map;

/**
 * How many of a session's devices came to what, so far.
 *
 * @param statuses devices by outcome
 * @param recorded runs recorded (a running session's progress)
 * @param expected devices in the session
 * @param chosen   devices by the model they chose ({@code device}, {@code fleet}, {@code stack}, {@code none}); null in
 *                 a session without fleet models
 */
public record SessionCounts(Map<TrainOutcome.Status, Long> statuses, long recorded, long expected, Map<String, Long> chosen) {
}
