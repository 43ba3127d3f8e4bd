package io.fleetml.fleet;

import io.fleetml.resolve.ModelKind;
import io.fleetml.train.Metrics;

import java.nio.ByteBuffer;

/**
 * What the per-device choice and the stacker need of one device's validation and test rows, in a fixed 73 doubles:
 * for each part the sums of products (a Gram matrix) of {@code u = [1, f, d, h, g·f, g·d, g·h, y]}, where {@code f},
 * {@code d} and {@code h} are the fleet, device and hierarchical predictions of a row, {@code y} its label and
 * {@code g = 1/√(device training rows)}. The squared error of any linear combination {@code w·z} of the first seven
 * ({@code z}) follows exactly: {@code Σ(y − w·z)² = Σy² − 2 w·Σzy + wᵀ(Σzzᵀ)w}. So the stacker is fit, and every
 * candidate of every device evaluated, without keeping a row: 584 bytes a device, stored with its run.
 *
 * <p>Where a device has no model of its own, {@code d = h = f}; the stacker then reduces to a calibrated fleet model.
 */
public final class FleetStats {
    public static final int VALIDATION = 0;
    public static final int TEST = 1;
    /** Inputs of the stacker: {@code z = [1, f, d, h, g·f, g·d, g·h]}. */
    public static final int K = 7;
    private static final int U = K + 1;
    private static final int Y = K;
    private static final int TRI = U * (U + 1) / 2;
    public static final int LENGTH = 1 + 2 * TRI;

    private FleetStats() {
    }

    /** Empty statistics of a device trained on {@code nTrain} rows. */
    public static double[] create(long nTrain) {
        double[] s = new double[LENGTH];
        s[0] = weight(nTrain);
        return s;
    }

    /** How strongly the stacker's per-device terms act: the standard error's scale, 1/√n. */
    public static double weight(long nTrain) {
        return 1 / Math.sqrt(Math.max(1, nTrain));
    }

    private static int at(int part, int i, int j) {
        return 1 + part * TRI + i * U - i * (i - 1) / 2 + (j - i);
    }

    /** Adds one row of {@code part}: fleet, device and hierarchical predictions and the label. */
    public static void add(double[] s, int part, double f, double d, double h, double y) {
        double g = s[0];
        double[] u = {1, f, d, h, g * f, g * d, g * h, y};
        for (int i = 0; i < U; i++) {
            for (int j = i; j < U; j++) {
                s[at(part, i, j)] += u[i] * u[j];
            }
        }
    }

    public static long rows(double[] s, int part) {
        return Math.round(s[at(part, 0, 0)]);
    }

    /** Adds {@code part}'s Gram matrix of {@code u} to {@code sum} (U × U, full). */
    public static void addGram(double[][] sum, double[] s, int part) {
        for (int i = 0; i < U; i++) {
            for (int j = i; j < U; j++) {
                double v = s[at(part, i, j)];
                sum[i][j] += v;
                if (j != i) {
                    sum[j][i] += v;
                }
            }
        }
    }

    /** An empty U × U sum for {@link #addGram}. */
    public static double[][] gram() {
        return new double[U][U];
    }

    /** The weights (over z) that give the prediction of {@code kind}, for kinds other than the stack. */
    public static double[] weights(ModelKind kind) {
        double[] w = new double[K];
        w[switch (kind) {
            case FLEET -> 1;
            case DEVICE -> 2;
            case HIERARCHICAL -> 3;
            case STACK -> throw new IllegalArgumentException("the stack's weights are the stacker's");
        }] = 1;
        return w;
    }

    /** Squared error of {@code w·z} over {@code part}'s rows. */
    public static double sse(double[] s, int part, double[] w) {
        double sse = s[at(part, Y, Y)];
        for (int i = 0; i < K; i++) {
            sse -= 2 * w[i] * s[at(part, i, Y)];
            for (int j = 0; j < K; j++) {
                sse += w[i] * w[j] * s[at(part, Math.min(i, j), Math.max(i, j))];
            }
        }
        return Math.max(0, sse);
    }

    /** Mean squared error of {@code w·z} over {@code part}'s rows; NaN when it has none. */
    public static double mse(double[] s, int part, double[] w) {
        long n = rows(s, part);
        return n == 0 ? Double.NaN : sse(s, part, w) / n;
    }

    /** MSE, RMSE and R² of {@code w·z} on {@code part} (MAE is not in the sums: NaN). */
    public static Metrics metrics(double[] s, int part, double[] w) {
        long n = rows(s, part);
        if (n == 0) {
            return Metrics.NONE;
        }
        double mse = sse(s, part, w) / n;
        double sum = s[at(part, 0, Y)];
        double sst = s[at(part, Y, Y)] - sum * sum / n;
        return new Metrics(mse, Math.sqrt(mse), Double.NaN, sst > 1e-12 * Math.max(1, s[at(part, Y, Y)]) ? 1 - mse * n / sst : Double.NaN);
    }

    public static byte[] toBytes(double[] s) {
        ByteBuffer b = ByteBuffer.allocate(8 * LENGTH);
        b.asDoubleBuffer().put(s);
        return b.array();
    }

    /** @throws IllegalArgumentException when {@code bytes} are not statistics of this layout */
    public static double[] fromBytes(byte[] bytes) {
        if (bytes.length != 8 * LENGTH) {
            throw new IllegalArgumentException("fleet statistics of " + bytes.length + " bytes; expected " + 8 * LENGTH);
        }
        double[] s = new double[LENGTH];
        ByteBuffer.wrap(bytes).asDoubleBuffer().get(s);
        return s;
    }
}
