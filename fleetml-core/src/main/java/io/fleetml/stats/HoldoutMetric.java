package io.fleetml.stats;

import java.util.Locale;

/** A holdout metric the statistics are taken of, and which way is worse. */
public enum HoldoutMetric {
    /** Mean squared error: higher is worse; spread over orders of magnitude, so binned on a log scale. */
    MSE,
    /** R²: lower is worse. */
    R2;

    /** The metric's column in a device run, and its name in the API. */
    public String column() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean higherIsWorse() {
        return this == MSE;
    }

    /** {@code mse} or {@code r2}, in any case. */
    public static HoldoutMetric parse(String given) {
        for (HoldoutMetric m : values()) {
            if (m.column().equalsIgnoreCase(given.strip())) {
                return m;
            }
        }
        throw new IllegalArgumentException("metric must be mse or r2, not '" + given + "'");
    }
}
