package io.fleetml.fleet;

import io.fleetml.resolve.ModelKind;

/**
 * Which model answers for a device, from its validation rows. The pooled models (fleet, and the stack) are the
 * default; a device's own model (device, or hierarchical) replaces them only when its validation MSE beats theirs by
 * more than the noise of an MSE measured on few rows: it must win after being multiplied by {@code 1 + √(2/n)}, the
 * relative standard error of a mean of n squared Gaussian errors. With 8 validation rows the device model must be
 * 50% better; with 200, 10%. So a choice made from a handful of rows shrinks toward the fleet.
 */
public final class FleetChoice {
    private FleetChoice() {
    }

    /**
     * @param hasDeviceModel whether the device has a model of its own
     * @param stats          its {@link FleetStats}
     * @param stacker        the session's stacker, or null (fallback mode, or none could be fit)
     */
    public static ModelKind choose(FleetMode mode, boolean hasDeviceModel, double[] stats, Stacker stacker) {
        boolean stack = mode == FleetMode.STACK && stacker != null;
        if (!hasDeviceModel) {
            return ModelKind.FLEET;
        }
        long n = FleetStats.rows(stats, FleetStats.VALIDATION);
        if (n == 0) {
            return stack ? ModelKind.STACK : ModelKind.FLEET;
        }
        ModelKind pooled = ModelKind.FLEET;
        double best = mse(stats, FleetStats.weights(ModelKind.FLEET));
        if (stack) {
            double s = mse(stats, stacker.weights());
            if (s < best) {
                pooled = ModelKind.STACK;
                best = s;
            }
        }
        double penalty = 1 + Math.sqrt(2.0 / n);
        ModelKind own = ModelKind.DEVICE;
        double ownMse = mse(stats, FleetStats.weights(ModelKind.DEVICE));
        if (mode == FleetMode.STACK) {
            double h = mse(stats, FleetStats.weights(ModelKind.HIERARCHICAL));
            if (h < ownMse) {
                own = ModelKind.HIERARCHICAL;
                ownMse = h;
            }
        }
        return ownMse * penalty < best ? own : pooled;
    }

    private static double mse(double[] stats, double[] w) {
        double m = FleetStats.mse(stats, FleetStats.VALIDATION, w);
        return Double.isNaN(m) ? Double.POSITIVE_INFINITY : m;
    }
}
