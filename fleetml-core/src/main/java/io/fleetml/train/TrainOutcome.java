package io.fleetml.train;

import io.fleetml.fleet.FleetOutcome;

/**
 * What training one device came to: one row of the training result and one nested run of the session.
 *
 * @param deviceId the device
 * @param status   {@link Status#OK}, {@link Status#FAILED} (with {@code error}) or {@link Status#SKIPPED}
 * @param nRows    the device's rows in the source
 * @param nUsed    rows the model was fit on
 * @param nTest    holdout rows
 * @param nDropped rows not used: missing label, or (for algorithms that need them) missing features
 * @param holdout  holdout metrics ({@link Metrics#NONE} when there is no holdout or no model)
 * @param trainMse in-sample mean squared error
 * @param modelUri where the model is stored, or null
 * @param error    why the device failed or was skipped, or null
 * @param trainMs  milliseconds spent fitting and evaluating
 * @param trainedIn the session that trained this model when the run was carried over from it (a retraining
 *                  inherits the runs of the devices it did not retrain), or null when this session trained it
 * @param fleet    the fleet models' part, in a session with fleet models; else null. {@code status}, {@code holdout}
 *                 and {@code error} stay the device model's own
 */
public record TrainOutcome(String deviceId, Status status, int nRows, int nUsed, int nTest, int nDropped,
                           Metrics holdout, double trainMse, String modelUri, String error, double trainMs, String trainedIn,
                           FleetOutcome fleet)
        implements java.io.Serializable {

    public enum Status { OK, FAILED, SKIPPED }

    /** An outcome of a session without fleet models. */
    public TrainOutcome(String deviceId, Status status, int nRows, int nUsed, int nTest, int nDropped, Metrics holdout, double trainMse,
                        String modelUri, String error, double trainMs, String trainedIn) {
        this(deviceId, status, nRows, nUsed, nTest, nDropped, holdout, trainMse, modelUri, error, trainMs, trainedIn, null);
    }

    public static TrainOutcome failed(String deviceId, int nRows, int nDropped, String error, double trainMs) {
        return new TrainOutcome(deviceId, Status.FAILED, nRows, 0, 0, nDropped, Metrics.NONE, Double.NaN, null, error, trainMs, null);
    }

    public TrainOutcome withModelUri(String uri) {
        return new TrainOutcome(deviceId, status, nRows, nUsed, nTest, nDropped, holdout, trainMse, uri, error, trainMs, trainedIn, fleet);
    }

    public TrainOutcome withFleet(FleetOutcome f) {
        return new TrainOutcome(deviceId, status, nRows, nUsed, nTest, nDropped, holdout, trainMse, modelUri, error, trainMs, trainedIn, f);
    }

    /** This device failed while its model was being stored (the fleet model still answers for it). */
    public TrainOutcome storeFailed(String reason) {
        return new TrainOutcome(deviceId, Status.FAILED, nRows, nUsed, nTest, nDropped, holdout, trainMse, null, reason, trainMs, null,
                fleet == null ? null : fleet.withResidualUri(null));
    }

    /** Whether some model answers for this device: its own, or the fleet's. */
    public boolean predicts() {
        return status == Status.OK || (fleet != null && fleet.chosen() != null);
    }
}
