package io.fleetml.stats;

import java.util.List;

/**
 * Every device with the metric as one count in a grid of training rows (log scale) against the metric: a 100,000
 * device scatter in a few hundred cells. The worst devices come as points of their own, to be named and followed.
 *
 * @param metric  the metric
 * @param x       the bins of training rows used
 * @param y       the bins of the metric (as the {@link Histogram}'s; devices beyond them count in the outermost)
 * @param cells   the non-empty cells
 * @param devices devices with the metric and at least one training row
 * @param worst   the worst devices by the metric, worst first
 */
public record Scatter(HoldoutMetric metric, Bins x, Bins y, List<Cell> cells, long devices, List<Point> worst) {

    /** One cell of a grid and the devices in it. */
    public record Cell(int x, int y, long count) {
    }

    /** One device as a point. */
    public record Point(String deviceId, long nUsed, double value) {
    }
}
