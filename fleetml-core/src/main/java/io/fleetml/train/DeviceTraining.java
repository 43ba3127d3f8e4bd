package io.fleetml.train;

import io.fleetml.data.DeviceFrame;
import io.fleetml.model.Algorithm;
import io.fleetml.model.DeviceModel;
import io.fleetml.model.DeviceTrainer;
import io.fleetml.model.ModelArtifact;

import java.util.Arrays;
import java.util.Map;

/**
 * The per-device pipeline every engine runs: drop unusable rows, split, fit, evaluate, serialise.
 * Nothing a device's data or the user's trainer does escapes as an exception: it becomes that device's
 * {@link TrainOutcome.Status#FAILED} outcome.
 */
public final class DeviceTraining {
    private final TrainSpec spec;
    private final Algorithm algorithm;
    private final DeviceTrainer trainer;
    private final long seed;

    /** What one device produced: its outcome and, when it trained, its model's bytes. */
    public record Result(TrainOutcome outcome, ModelArtifact artifact) {
    }

    /**
     * @param threads threads the algorithm may use for one device
     */
    public DeviceTraining(TrainSpec spec, int threads) {
        this.spec = spec;
        this.algorithm = spec.resolveAlgorithm();
        Map<String, String> params = spec.resolvedParams();
        this.trainer = algorithm.trainer(params, threads);
        this.seed = spec.seed();
    }

    public Result train(DeviceFrame frame) {
        long start = System.nanoTime();
        String device = frame.deviceId();
        int n = frame.rows();
        if (device.isEmpty()) {
            return fail(device, n, 0, "empty device id: a device needs a name; give these rows an id, or they are left out", start);
        }
        frame = frame.infinityAsMissing();
        int[] usable = usableRows(frame, !algorithm.handlesMissingFeatures());
        int nUsable = usable.length;
        int dropped = n - nUsable;
        if (nUsable == 0 && labelled(frame) == 0) {
            return new Result(new TrainOutcome(device, TrainOutcome.Status.SKIPPED, n, 0, 0, dropped, Metrics.NONE,
                    Double.NaN, null, "no rows with a label (all " + n + " missing)", ms(start), null), null);
        }
        if (nUsable < spec.minRows()) {
            String why = nUsable == 0
                    ? "no usable rows: every labelled row misses a feature (" + algorithm.name()
                      + " drops such rows; random_forest and gradient_boosting handle them)"
                    : "too few rows: " + nUsable + " usable of " + n + " (need at least " + spec.minRows()
                      + (dropped > 0 ? "; " + dropped + " dropped for missing values" : "") + ")";
            return fail(device, n, dropped, why, start);
        }
        DeviceFrame rows = nUsable == n ? frame : frame.select(usable);
        int[][] split = Holdout.split(nUsable, spec.testFraction(), !spec.timeColumns().isEmpty(), seed, device);
        DeviceFrame train = rows.select(split[0]);
        DeviceFrame test = rows.select(split[1]);
        String problem = unusable(train);
        if (problem != null) {
            return fail(device, n, dropped, problem, start);
        }
        DeviceModel model = null;
        try {
            model = trainer.fit(train);
            if (model == null) {
                return fail(device, n, dropped, "the trainer returned no model", start);
            }
            double trainMse = model.trainingMse();
            if (Double.isNaN(trainMse)) {
                trainMse = Metrics.of(train.label(), model.predict(train)).mse();
            }
            Metrics holdout = test.rows() == 0 ? Metrics.NONE : Metrics.of(test.label(), model.predict(test));
            String notFinite = notFinite(trainMse, holdout, test.rows());
            if (notFinite != null) {
                return fail(device, n, dropped, notFinite, start);
            }
            ModelArtifact artifact = model.artifact();
            return new Result(new TrainOutcome(device, TrainOutcome.Status.OK, n, train.rows(), test.rows(), dropped,
                    holdout, trainMse, null, null, ms(start), null), artifact);
        } catch (Exception | LinkageError | AssertionError e) {
            return fail(device, n, dropped, describe(e), start);
        } finally {
            if (model != null) {
                model.close(); // the artifact holds the bytes now
            }
        }
    }

    /**
     * Why a fitted model is not usable, or null: a model whose predictions on its own training rows, or whose
     * holdout errors, are not finite (NaN coefficients from an overflowing fit, a user's trainer gone wrong)
     * would be stored as OK and poison every prediction. R² alone may be undefined: a constant holdout label.
     */
    private static String notFinite(double trainMse, Metrics holdout, int nTest) {
        if (!Double.isFinite(trainMse)) {
            return "the model is not finite: its training error is " + trainMse + " (extreme feature or label values, "
                    + "or the trainer produced NaN); check the device's data";
        }
        if (nTest > 0 && !(Double.isFinite(holdout.mse()) && Double.isFinite(holdout.mae()))) {
            return "the model's holdout error is not finite (" + holdout.mse() + "): it predicts NaN or infinity on "
                    + "held-out rows; check the device's data";
        }
        return null;
    }

    /**
     * The rows with a label and, unless the algorithm handles them, no missing feature. A method of its
     * own, not a loop in {@link #train}: a hot loop there made the JIT compile all of train() twice
     * (on-stack replacement, then whole), 2 of the 5.6 CPU-seconds C2 spent on a 100,000-device fleet.
     */
    private static int[] usableRows(DeviceFrame frame, boolean dropMissingFeatures) {
        double[] label = frame.label();
        int[] usable = new int[label.length];
        int n = 0;
        for (int i = 0; i < label.length; i++) {
            if (!Double.isNaN(label[i]) && !(dropMissingFeatures && frame.hasMissingFeature(i))) {
                usable[n++] = i;
            }
        }
        return n == usable.length ? usable : Arrays.copyOf(usable, n);
    }

    private static int labelled(DeviceFrame frame) {
        int labelled = 0;
        for (double y : frame.label()) {
            if (!Double.isNaN(y)) {
                labelled++;
            }
        }
        return labelled;
    }

    /** Why the training rows cannot make a model, or null when they can. */
    private static String unusable(DeviceFrame train) {
        double[] y = train.label();
        boolean constant = true;
        for (int i = 1; i < y.length && constant; i++) {
            constant = y[i] == y[0];
        }
        if (constant) {
            return "label is constant (" + y[0] + ") on all " + y.length + " training rows; nothing to learn";
        }
        for (double[] col : train.columns()) {
            for (double v : col) {
                if (!Double.isNaN(v)) {
                    return null;
                }
            }
        }
        return "no usable features: every feature is missing on all " + y.length + " training rows";
    }

    private static Result fail(String device, int n, int dropped, String why, long start) {
        return new Result(TrainOutcome.failed(device, n, dropped, why, ms(start)), null);
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        String type = e.getClass().getSimpleName();
        return (m == null || m.isBlank()) ? type : type + ": " + m.lines().findFirst().orElse(m);
    }

    private static double ms(long start) {
        return (System.nanoTime() - start) / 1e6;
    }
}
