package io.fleetml.fleet;

import io.fleetml.data.FleetInputException;
import io.fleetml.model.Algorithm;
import io.fleetml.model.Algorithms;
import io.fleetml.model.Params;

import java.util.Map;

/**
 * What a session trains beside the device models.
 *
 * @param mode               none, fallback or stack
 * @param algorithm          the fleet model's algorithm (default {@code gradient_boosting})
 * @param params             its parameters as given
 * @param validationFraction fraction of each device's usable rows that decide the per-device choice and fit the
 *                           stacker; never used to fit a device or the fleet model, nor to report a metric
 * @param sampleRows         most training rows the fleet model is fit on (a per-device quota keeps large devices from
 *                           drowning small ones)
 */
public record FleetSpec(FleetMode mode, String algorithm, Map<String, String> params, double validationFraction, long sampleRows)
        implements java.io.Serializable {
    public static final String DEFAULT_ALGORITHM = "gradient_boosting";
    public static final double DEFAULT_VALIDATION = 0.2;
    public static final long DEFAULT_SAMPLE_ROWS = 2_000_000;
    /** Device models only: no fleet model, no validation rows. */
    public static final FleetSpec NONE = new FleetSpec(FleetMode.NONE, DEFAULT_ALGORITHM, Map.of(), 0, DEFAULT_SAMPLE_ROWS);

    public FleetSpec {
        params = Map.copyOf(params);
        if (mode == FleetMode.NONE) {
            validationFraction = 0;
        }
        if (!(validationFraction >= 0 && validationFraction < 1)) {
            throw new FleetInputException("validation fraction must be in [0, 1), got " + validationFraction);
        }
        if (sampleRows < 1) {
            throw new FleetInputException("fleet sample rows must be at least 1, got " + sampleRows);
        }
    }

    public boolean enabled() {
        return mode != FleetMode.NONE;
    }

    public Algorithm resolveAlgorithm() {
        return Algorithms.named(algorithm);
    }

    public Map<String, String> resolvedParams() {
        return Params.resolve(resolveAlgorithm(), params);
    }
}
