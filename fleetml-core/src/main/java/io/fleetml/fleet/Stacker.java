package io.fleetml.fleet;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * The stacking ensemble: a ridge regression of the label on {@code z = [1, f, d, h, g·f, g·d, g·h]} (see
 * {@link FleetStats}), fit on the validation rows of every device with a model of its own. The {@code g} terms let
 * the weight of each prediction depend on how many rows the device trained on, so a device with few rows leans on
 * the fleet model and one with many on its own: the shrinkage is learned, not guessed.
 *
 * @param weights the seven coefficients of z
 */
public record Stacker(double[] weights) implements java.io.Serializable {
    /** Ridge penalty relative to the mean diagonal of the Gram matrix; keeps collinear inputs (h ≈ d) solvable. */
    private static final double RIDGE = 1e-6;

    /** Fits the stacker on summed validation Gram matrices ({@link FleetStats#addGram}); null when there are no rows. */
    public static Stacker fit(double[][] gram) {
        int k = FleetStats.K;
        if (gram[0][0] < k) {
            return null;
        }
        double trace = 0;
        for (int i = 1; i < k; i++) {
            trace += gram[i][i];
        }
        double lambda = RIDGE * Math.max(trace / (k - 1), 1e-12);
        DMatrixRMaj a = new DMatrixRMaj(k, k);
        DMatrixRMaj b = new DMatrixRMaj(k, 1);
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                a.set(i, j, gram[i][j] + (i == j && i > 0 ? lambda : 0));
            }
            b.set(i, 0, gram[i][k]);
        }
        LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.pseudoInverse(true);
        if (!solver.setA(a)) {
            return null;
        }
        DMatrixRMaj x = new DMatrixRMaj(k, 1);
        solver.solve(b, x);
        double[] w = new double[k];
        for (int i = 0; i < k; i++) {
            w[i] = x.get(i, 0);
            if (!Double.isFinite(w[i])) {
                return null;
            }
        }
        return new Stacker(w);
    }

    /**
     * The stack's prediction for a device trained on {@code nTrain} rows as a combination of its inputs:
     * {@code c[0] + c[1]·fleet + c[2]·device + c[3]·residual}, where the hierarchical prediction is fleet + residual.
     */
    public double[] combination(long nTrain) {
        double g = FleetStats.weight(nTrain);
        double cf = weights[1] + g * weights[4];
        double cd = weights[2] + g * weights[5];
        double ch = weights[3] + g * weights[6];
        return new double[] {weights[0], cf + ch, cd, ch};
    }
}
