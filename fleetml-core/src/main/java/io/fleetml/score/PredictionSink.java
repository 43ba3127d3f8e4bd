package io.fleetml.score;

/** Receives predictions a device at a time, from one thread. */
@FunctionalInterface
public interface PredictionSink {
    /**
     * @param recordIds   the device's records, in the order they were read
     * @param predictions one per record; {@code NaN} where the record got none (its device has no model, or
     *                    it misses a feature the model cannot take)
     * @param model       which model answered, e.g. {@code device/20261124-101500-ab12}, or null when none did
     */
    void accept(String deviceId, long[] recordIds, double[] predictions, String model);
}
