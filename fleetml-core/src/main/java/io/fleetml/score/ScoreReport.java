package io.fleetml.score;

/**
 * What a scoring run did.
 *
 * @param records             records read
 * @param devices             devices read
 * @param predicted           records that got a prediction
 * @param devicesWithoutModel devices with no model in the session (unknown, failed or skipped there)
 * @param recordsWithoutModel records of those devices
 * @param recordsNotPredicted records of devices with a model that still got no prediction (a missing feature the model cannot take)
 * @param seconds             wall time
 */
public record ScoreReport(long records, long devices, long predicted, long devicesWithoutModel,
                          long recordsWithoutModel, long recordsNotPredicted, double seconds) {
}
