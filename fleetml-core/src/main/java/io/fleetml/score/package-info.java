/**
 * Scoring: each device's records get a prediction from that device's model in a training session.
 * {@link io.fleetml.score.DeviceScoring} is the per-device step every engine runs; records of devices
 * without a model get no prediction and are counted in the {@link io.fleetml.score.ScoreReport}.
 */
package io.fleetml.score;
