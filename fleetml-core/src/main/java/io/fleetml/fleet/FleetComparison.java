package io.fleetml.fleet;

import io.fleetml.resolve.ModelKind;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adds up the candidates' test errors over the devices of a session, as they are chosen, into the rows of
 * {@link FleetReport#table()}: the device model, the fleet model, the hierarchical model and the stack, each alone,
 * and the per-device choice. Two scopes: the devices with a model of their own (where device-only can predict,
 * so that all candidates are compared on the same rows), and all devices.
 */
public final class FleetComparison {
    /** The rows of the comparison, in the order they are shown. */
    public static final List<String> MODELS = List.of("device", "fleet", "hierarchical", "stack", "chosen");
    private final FleetMode mode;
    private final Stacker stacker;
    private final Map<String, Long> chosen = new LinkedHashMap<>();
    /** [scope][model]: sse, rows, devices; and the devices' MSEs for the medians. */
    private final double[][] sse = new double[2][MODELS.size()];
    private final long[][] rows = new long[2][MODELS.size()];
    private final long[][] devices = new long[2][MODELS.size()];
    private final double[][][] mses = new double[2][MODELS.size()][64];

    public FleetComparison(FleetMode mode, Stacker stacker) {
        this.mode = mode;
        this.stacker = stacker;
        for (ModelKind k : ModelKind.values()) {
            if (k != ModelKind.HIERARCHICAL && k != ModelKind.STACK || mode == FleetMode.STACK) {
                chosen.put(k.label(), 0L);
            }
        }
    }

    /** Adds a device: whether it has a model of its own, its statistics and its chosen model. */
    public void add(boolean hasDeviceModel, double[] stats, ModelKind choice) {
        chosen.merge(choice.label(), 1L, Long::sum);
        long n = FleetStats.rows(stats, FleetStats.TEST);
        if (n == 0) {
            return;
        }
        for (int m = 0; m < MODELS.size(); m++) {
            double[] w = weights(m, choice, hasDeviceModel);
            if (w == null || ((m == 0 || m == 2) && !hasDeviceModel)) { // device and hierarchical answer only with a model of its own
                continue;
            }
            double e = FleetStats.sse(stats, FleetStats.TEST, w);
            for (int scope = hasDeviceModel ? 0 : 1; scope < 2; scope++) {
                sse[scope][m] += e;
                rows[scope][m] += n;
                int at = (int) devices[scope][m]++;
                if (at == mses[scope][m].length) {
                    mses[scope][m] = Arrays.copyOf(mses[scope][m], at * 2);
                }
                mses[scope][m][at] = e / n;
            }
        }
    }

    /** What answers as model {@code model}: without a model of its own, a device's stack is the fleet model. */
    private double[] weights(int model, ModelKind choice, boolean hasDeviceModel) {
        return switch (model) {
            case 0 -> FleetStats.weights(ModelKind.DEVICE);
            case 1 -> FleetStats.weights(ModelKind.FLEET);
            case 2 -> mode == FleetMode.STACK ? FleetStats.weights(ModelKind.HIERARCHICAL) : null;
            case 3 -> stacker == null ? null : hasDeviceModel ? stacker.weights() : FleetStats.weights(ModelKind.FLEET);
            default -> choice == ModelKind.STACK ? stacker.weights() : FleetStats.weights(choice);
        };
    }

    public Map<String, Long> chosen() {
        return chosen;
    }

    public List<FleetReport.Row> table() {
        List<FleetReport.Row> out = new ArrayList<>();
        for (int scope = 0; scope < 2; scope++) {
            for (int m = 0; m < MODELS.size(); m++) {
                if (devices[scope][m] == 0) {
                    continue;
                }
                double[] d = Arrays.copyOf(mses[scope][m], (int) devices[scope][m]);
                Arrays.sort(d);
                double median = d.length % 2 == 1 ? d[d.length / 2] : (d[d.length / 2 - 1] + d[d.length / 2]) / 2;
                out.add(new FleetReport.Row(MODELS.get(m), scope == 0 ? "own" : "all", devices[scope][m], rows[scope][m],
                        sse[scope][m] / rows[scope][m], median));
            }
        }
        return out;
    }

}
