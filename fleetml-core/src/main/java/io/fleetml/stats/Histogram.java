package io.fleetml.stats;

/**
 * How a metric is spread across a session's devices. The bins span the 1st to the 99th percentile, so that a few
 * extreme devices do not squash the rest into one bar; {@code below} and {@code above} count those beyond.
 *
 * @param metric  the metric
 * @param bins    the bins' edges
 * @param counts  devices per bin
 * @param below   devices below the first edge
 * @param above   devices above the last edge
 * @param devices devices with the metric
 * @param missing devices without it (failed, skipped, or no holdout)
 * @param min     the lowest value, NaN when no device has one
 * @param max     the highest value, NaN when no device has one
 */
public record Histogram(HoldoutMetric metric, Bins bins, long[] counts, long below, long above, long devices, long missing,
                        double min, double max) {
}
