package io.fleetml.data;

import java.util.Arrays;
import java.util.List;

/**
 * One device's rows in columnar form: the unit a trainer and a scorer receive.
 *
 * @param deviceId  the device's id, as text
 * @param features  feature names, in the order of {@code columns}
 * @param columns   one array per feature, {@code columns[f][row]}; missing values are {@code NaN}
 * @param label     the label per row ({@code NaN} where missing), or {@code null} when scoring
 * @param recordIds the record id per row, or the row number in the source when it has no id column
 */
public record DeviceFrame(String deviceId, List<String> features, double[][] columns, double[] label, long[] recordIds) {

    public DeviceFrame {
        features = List.copyOf(features);
        if (columns.length != features.size()) {
            throw new IllegalArgumentException(columns.length + " columns for " + features.size() + " features");
        }
    }

    public int rows() {
        return recordIds.length;
    }

    public int featureCount() {
        return columns.length;
    }

    /** The rows at {@code index}, in that order. */
    public DeviceFrame select(int[] index) {
        double[][] cols = new double[columns.length][];
        for (int f = 0; f < columns.length; f++) {
            cols[f] = pick(columns[f], index);
        }
        long[] ids = new long[index.length];
        for (int i = 0; i < index.length; i++) {
            ids[i] = recordIds[index[i]];
        }
        return new DeviceFrame(deviceId, features, cols, label == null ? null : pick(label, index), ids);
    }

    /** Row-major copy of the features as floats, the layout XGBoost takes. */
    public float[] rowMajorFloats() {
        int n = rows();
        int p = columns.length;
        float[] out = new float[n * p];
        for (int f = 0; f < p; f++) {
            double[] col = columns[f];
            for (int i = 0; i < n; i++) {
                out[i * p + f] = (float) col[i];
            }
        }
        return out;
    }

    /** True when any feature of {@code row} is missing. */
    public boolean hasMissingFeature(int row) {
        for (double[] col : columns) {
            if (Double.isNaN(col[row])) {
                return true;
            }
        }
        return false;
    }

    /**
     * This frame with infinite feature and label values taken as missing (NaN), as the missing-value policy
     * says: an infinite label cannot be learnt, and an infinite feature breaks a linear fit or a tree's split.
     * The frame itself when it has none; scanning costs far less than fitting or predicting.
     */
    public DeviceFrame infinityAsMissing() {
        boolean infinite = label != null && hasInfinity(label);
        for (int f = 0; f < columns.length && !infinite; f++) {
            infinite = hasInfinity(columns[f]);
        }
        if (!infinite) {
            return this;
        }
        double[][] cols = new double[columns.length][];
        for (int f = 0; f < cols.length; f++) {
            cols[f] = withoutInfinity(columns[f]);
        }
        return new DeviceFrame(deviceId, features, cols, label == null ? null : withoutInfinity(label), recordIds);
    }

    private static boolean hasInfinity(double[] values) {
        for (double v : values) {
            if (Double.isInfinite(v)) {
                return true;
            }
        }
        return false;
    }

    private static double[] withoutInfinity(double[] values) {
        double[] out = values.clone();
        for (int i = 0; i < out.length; i++) {
            if (Double.isInfinite(out[i])) {
                out[i] = Double.NaN;
            }
        }
        return out;
    }

    private static double[] pick(double[] values, int[] index) {
        double[] out = new double[index.length];
        for (int i = 0; i < index.length; i++) {
            out[i] = values[index[i]];
        }
        return out;
    }

    @Override
    public String toString() {
        return "DeviceFrame[" + deviceId + ", " + rows() + " rows, features=" + features + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeviceFrame d && deviceId.equals(d.deviceId) && features.equals(d.features)
                && Arrays.deepEquals(columns, d.columns) && Arrays.equals(label, d.label)
                && Arrays.equals(recordIds, d.recordIds);
    }

    @Override
    public int hashCode() {
        return deviceId.hashCode() * 31 + Arrays.hashCode(recordIds);
    }
}
