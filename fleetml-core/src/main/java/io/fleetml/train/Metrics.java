package io.fleetml.train;

/** Regression metrics of predictions against labels; all NaN when there is nothing to compare. */
public record Metrics(double mse, double rmse, double mae, double r2) implements java.io.Serializable {
    public static final Metrics NONE = new Metrics(Double.NaN, Double.NaN, Double.NaN, Double.NaN);

    public static Metrics of(double[] label, double[] prediction) {
        int n = label.length;
        if (n == 0) {
            return NONE;
        }
        double mean = 0;
        for (double y : label) {
            mean += y;
        }
        mean /= n;
        double sse = 0;
        double sae = 0;
        double sst = 0;
        for (int i = 0; i < n; i++) {
            double e = label[i] - prediction[i];
            sse += e * e;
            sae += Math.abs(e);
            sst += (label[i] - mean) * (label[i] - mean);
        }
        double mse = sse / n;
        return new Metrics(mse, Math.sqrt(mse), sae / n, sst == 0 ? Double.NaN : 1 - sse / sst);
    }
}
