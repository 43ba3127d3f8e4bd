package io.fleetml.fleet;

import io.fleetml.resolve.ModelKind;

import java.util.List;
import java.util.Map;

/**
 * A session's fleet models: where the fleet model is, the stacker, how many devices chose each model, and the
 * comparison of the candidates on the test rows. Stored with the session as JSON ({@code SessionJson}).
 *
 * @param mode       fallback or stack
 * @param algorithm  the fleet model's algorithm
 * @param params     its parameters, defaults included
 * @param modelUri   where the fleet model is
 * @param sampleRows training rows the fleet model was fit on
 * @param quota      most rows the sample took from one device
 * @param stacker    the stacker's weights, or null (fallback mode, or not yet fit)
 * @param chosen     devices per chosen model (e.g. {@code device: 812}); empty until the session finishes
 * @param table      the comparison on test rows; empty until the session finishes
 */
public record FleetReport(FleetMode mode, String algorithm, Map<String, String> params, String modelUri, long sampleRows, long quota,
                          double[] stacker, Map<String, Long> chosen, List<Row> table) implements java.io.Serializable {
    /**
     * One model's test error over the devices it predicts.
     *
     * @param model      device, fleet, hierarchical, stack or chosen
     * @param scope      {@code own}: devices with a model of their own (where device-only can predict); {@code all}: every device with test rows
     * @param devices    devices with test rows it predicted
     * @param rows       their test rows
     * @param mse        mean squared error over those rows (weighted by rows)
     * @param medianMse  the median of the devices' test MSEs
     */
    public record Row(String model, String scope, long devices, long rows, double mse, double medianMse) implements java.io.Serializable {
    }

    public FleetReport finished(Stacker s, Map<String, Long> chosenCounts, List<Row> rows) {
        return new FleetReport(mode, algorithm, params, modelUri, sampleRows, quota, s == null ? null : s.weights(), chosenCounts, rows);
    }

    public FleetReport withModelUri(String uri) {
        return new FleetReport(mode, algorithm, params, uri, sampleRows, quota, stacker, chosen, table);
    }

    /** The stacker, or null. */
    public Stacker stackerModel() {
        return stacker == null ? null : new Stacker(stacker);
    }

    /** Whether the session has {@code kind} for its devices. */
    public boolean has(ModelKind kind) {
        return switch (kind) {
            case DEVICE, FLEET -> true;
            case HIERARCHICAL -> mode == FleetMode.STACK;
            case STACK -> mode == FleetMode.STACK && stacker != null;
        };
    }
}
