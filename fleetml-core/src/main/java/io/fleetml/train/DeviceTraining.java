package io.fleetml.train;

import io.fleetml.data.DeviceFrame;
import io.fleetml.fleet.FleetMode;
import io.fleetml.fleet.FleetOutcome;
import io.fleetml.fleet.FleetStats;
import io.fleetml.model.Algorithm;
import io.fleetml.model.DeviceModel;
import io.fleetml.model.DeviceTrainer;
import io.fleetml.model.ModelArtifact;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The per-device pipeline every engine runs: drop unusable rows, split, fit, evaluate, serialise; in a session with
 * fleet models, also evaluate the fleet model and fit the hierarchical one on the same split.
 * Nothing a device's data or the user's trainer does escapes as an exception: it becomes that device's
 * {@link TrainOutcome.Status#FAILED} outcome.
 */
public final class DeviceTraining {
    private final TrainSpec spec;
    private final Algorithm algorithm;
    private final DeviceTrainer trainer;
    private final long seed;

    private final DeviceModel fleetModel;

    /**
     * What one device produced: its outcome and, when it trained, its model's bytes, and in a stack session the bytes
     * of its residual model (of the hierarchical model).
     */
    public record Result(TrainOutcome outcome, ModelArtifact artifact, ModelArtifact residual) {
    }

    /**
     * @param threads threads the algorithm may use for one device
     */
    public DeviceTraining(TrainSpec spec, int threads) {
        this(spec, threads, null);
    }

    /**
     * @param threads    threads the algorithm may use for one device
     * @param fleetModel the session's fleet model (shared, thread-safe for prediction), or null in a session without
     */
    public DeviceTraining(TrainSpec spec, int threads, DeviceModel fleetModel) {
        this.fleetModel = fleetModel;
        this.spec = spec;
        this.algorithm = spec.resolveAlgorithm();
        Map<String, String> params = spec.resolvedParams();
        this.trainer = algorithm.trainer(params, threads);
        this.seed = spec.seed();
    }

    public Result train(DeviceFrame frame) {
        return train(frame, null);
    }

    /**
     * The fleet model's predictions for every row of each frame, in one call for all of them: predicting 512 small
     * devices one by one cost XGBoost more in per-call overhead than in trees. Null without a fleet model.
     */
    public double[][] fleetPredictions(List<DeviceFrame> frames) {
        if (fleetModel == null) {
            return null;
        }
        int n = 0;
        for (DeviceFrame f : frames) {
            n += f.rows();
        }
        int p = spec.features().size();
        double[][] columns = new double[p][n];
        int at = 0;
        for (DeviceFrame f : frames) {
            DeviceFrame clean = f.infinityAsMissing();
            for (int c = 0; c < p; c++) {
                System.arraycopy(clean.columns()[c], 0, columns[c], at, f.rows());
            }
            at += f.rows();
        }
        double[] all = fleetModel.predict(new DeviceFrame("batch", spec.features(), columns, null, new long[n]));
        double[][] out = new double[frames.size()][];
        at = 0;
        for (int i = 0; i < out.length; i++) {
            out[i] = Arrays.copyOfRange(all, at, at + frames.get(i).rows());
            at += frames.get(i).rows();
        }
        return out;
    }

    /**
     * Trains one device; {@code fleetPredictions} are the fleet model's for each of its rows (from {@link #fleetPredictions}),
     * or null to predict them here.
     */
    public Result train(DeviceFrame frame, double[] fleetPredictions) {
        long start = System.nanoTime();
        String device = frame.deviceId();
        int n = frame.rows();
        if (device.isEmpty()) {
            return fail(device, n, 0, "empty device id: a device needs a name; give these rows an id, or they are left out", start);
        }
        frame = frame.infinityAsMissing();
        int[] usable = usableRows(frame, !algorithm.handlesMissingFeatures());
        DeviceFrame rows = usable.length == n ? frame : frame.select(usable);
        int[][] split = split(usable.length, device);
        Fitted own = fitOwn(frame, rows, split, start);
        try (DeviceModel model = own.model) {
            if (fleetModel == null) {
                return new Result(own.outcome, own.artifact, null);
            }
            double[] fleet = fleetPredictions != null ? fleetPredictions : fleetModel.predict(frame);
            return withFleet(own.outcome, own.artifact, model, rows, usable.length == n ? fleet : pick(fleet, usable), split, start);
        }
    }

    /**
     * The rows this session fits a device's models on, as indexes into {@code frame} (ascending): its usable rows'
     * training part, never a validation or test row. The fleet model's sample is taken from these.
     */
    public int[] trainingRows(DeviceFrame frame) {
        frame = frame.infinityAsMissing();
        int[] usable = usableRows(frame, !algorithm.handlesMissingFeatures());
        int[][] split = split(usable.length, frame.deviceId());
        int[] train = new int[split[0].length];
        for (int i = 0; i < train.length; i++) {
            train[i] = usable[split[0][i]];
        }
        return train;
    }

    /** The session's split of a device's {@code n} usable rows: train, validation, test. */
    private int[][] split(int n, String device) {
        return Holdout.split(n, spec.testFraction(), spec.fleet().validationFraction(), !spec.timeColumns().isEmpty(), seed, device);
    }

    /** The device's own model, still open (null when it failed), with its outcome and bytes. */
    private record Fitted(TrainOutcome outcome, DeviceModel model, ModelArtifact artifact) {
    }

    private Fitted fitOwn(DeviceFrame frame, DeviceFrame rows, int[][] split, long start) {
        String device = frame.deviceId();
        int n = frame.rows();
        int nUsable = rows.rows();
        int dropped = n - nUsable;
        if (nUsable == 0 && labelled(frame) == 0) {
            return new Fitted(new TrainOutcome(device, TrainOutcome.Status.SKIPPED, n, 0, 0, dropped, Metrics.NONE,
                    Double.NaN, null, "no rows with a label (all " + n + " missing)", ms(start), null), null, null);
        }
        if (nUsable < spec.minRows()) {
            String why = nUsable == 0
                    ? "no usable rows: every labelled row misses a feature (" + algorithm.name()
                      + " drops such rows; random_forest and gradient_boosting handle them)"
                    : "too few rows: " + nUsable + " usable of " + n + " (need at least " + spec.minRows()
                      + (dropped > 0 ? "; " + dropped + " dropped for missing values" : "") + ")";
            return failed(device, n, dropped, why, start);
        }
        DeviceFrame train = rows.select(split[0]);
        DeviceFrame test = rows.select(split[2]);
        String problem = unusable(train);
        if (problem != null) {
            return failed(device, n, dropped, problem, start);
        }
        DeviceModel model = null;
        try {
            model = trainer.fit(train);
            if (model == null) {
                return failed(device, n, dropped, "the trainer returned no model", start);
            }
            double trainMse = model.trainingMse();
            if (Double.isNaN(trainMse)) {
                trainMse = Metrics.of(train.label(), model.predict(train)).mse();
            }
            Metrics holdout = test.rows() == 0 ? Metrics.NONE : Metrics.of(test.label(), model.predict(test));
            String notFinite = notFinite(trainMse, holdout, test.rows());
            if (notFinite != null) {
                model.close();
                return failed(device, n, dropped, notFinite, start);
            }
            ModelArtifact artifact = model.artifact();
            return new Fitted(new TrainOutcome(device, TrainOutcome.Status.OK, n, train.rows(), test.rows(), dropped,
                    holdout, trainMse, null, null, ms(start), null), model, artifact);
        } catch (Exception | LinkageError | AssertionError e) {
            if (model != null) {
                model.close();
            }
            return failed(device, n, dropped, describe(e), start);
        }
    }

    /**
     * Evaluates the fleet model on the device's validation and test rows beside its own model and, in stack mode, fits
     * the hierarchical model (the device's algorithm fit to the fleet model's residuals on its training rows). The
     * validation and test rows are kept only as {@link FleetStats}.
     */
    private Result withFleet(TrainOutcome own, ModelArtifact artifact, DeviceModel model, DeviceFrame rows, double[] fAll, int[][] split,
                             long start) {
        int[] val = split[1];
        int[] test = split[2];
        double[] stats = FleetStats.create(split[0].length);
        if (rows.rows() == 0) {
            return new Result(own.withFleet(new FleetOutcome(null, Metrics.NONE, Metrics.NONE, Metrics.NONE, null, stats)), artifact, null);
        }
        double[] y = rows.label();
        int[] held = new int[val.length + test.length];
        System.arraycopy(val, 0, held, 0, val.length);
        System.arraycopy(test, 0, held, val.length, test.length);
        DeviceFrame heldRows = rows.select(held);
        double[] f = pick(fAll, held);
        double[] d = model == null ? f : model.predict(heldRows);
        double[] h = f;
        ModelArtifact residualArtifact = null;
        if (spec.fleet().mode() == FleetMode.STACK && model != null) {
            DeviceFrame train = rows.select(split[0]);
            double[] residual = new double[train.rows()];
            for (int i = 0; i < residual.length; i++) {
                residual[i] = train.label()[i] - fAll[split[0][i]];
            }
            try (DeviceModel r = trainer.fit(new DeviceFrame(train.deviceId(), train.features(), train.columns(), residual, train.recordIds()))) {
                double[] rh = r.predict(heldRows);
                h = new double[f.length];
                for (int i = 0; i < h.length; i++) {
                    h[i] = f[i] + rh[i];
                }
                residualArtifact = r.artifact();
            } catch (Exception | LinkageError | AssertionError e) {
                h = f; // no hierarchical model for this device: the choice and the stack see the fleet model in its place
            }
        }
        double[] yTest = new double[test.length];
        double[] fTest = new double[test.length];
        double[] hTest = new double[test.length];
        for (int i = 0; i < held.length; i++) {
            double fi = f[i];
            double di = Double.isFinite(d[i]) ? d[i] : fi;
            double hi = Double.isFinite(h[i]) ? h[i] : fi;
            int part = i < val.length ? FleetStats.VALIDATION : FleetStats.TEST;
            double yi = y[held[i]];
            if (Double.isFinite(fi)) {
                FleetStats.add(stats, part, fi, di, hi, yi);
            }
            if (part == FleetStats.TEST) {
                int t = i - val.length;
                yTest[t] = yi;
                fTest[t] = fi;
                hTest[t] = hi;
            }
        }
        Metrics fleetTest = test.length == 0 ? Metrics.NONE : Metrics.of(yTest, fTest);
        Metrics hierTest = residualArtifact == null || test.length == 0 ? Metrics.NONE : Metrics.of(yTest, hTest);
        TrainOutcome o = own.withFleet(new FleetOutcome(null, fleetTest, hierTest, Metrics.NONE, null, stats));
        return new Result(new TrainOutcome(o.deviceId(), o.status(), o.nRows(), o.nUsed(), o.nTest() == 0 ? test.length : o.nTest(), o.nDropped(),
                o.holdout(), o.trainMse(), o.modelUri(), o.error(), ms(start), null, o.fleet()), artifact, residualArtifact);
    }

    private static double[] pick(double[] values, int[] at) {
        double[] out = new double[at.length];
        for (int i = 0; i < at.length; i++) {
            out[i] = values[at[i]];
        }
        return out;
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
        return new Result(TrainOutcome.failed(device, n, dropped, why, ms(start)), null, null);
    }

    private static Fitted failed(String device, int n, int dropped, String why, long start) {
        return new Fitted(TrainOutcome.failed(device, n, dropped, why, ms(start)), null, null);
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
