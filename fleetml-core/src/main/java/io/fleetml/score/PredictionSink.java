package io.fleetml.score;

/** Receives predictions, one call per record, from one thread. */
@FunctionalInterface
public interface PredictionSink {
    /**
     * @param prediction {@code NaN} when the record got none (no model for its device, or a missing feature the model cannot take)
     * @param model      which model answered, e.g. {@code device/20261124-101500-ab12}, or null
     */
    void accept(long recordId, String deviceId, double prediction, String model);
}
