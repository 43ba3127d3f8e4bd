package io.fleetml.model;

import io.fleetml.data.DeviceFrame;

/**
 * One device's fitted model. Close it when done: a model may hold native memory (XGBoost's booster) that
 * would otherwise wait for the garbage collector, which with 100,000 models a session is too long.
 */
public interface DeviceModel extends AutoCloseable {

    /** One prediction per row of {@code frame}; {@code NaN} where the model cannot predict a row. */
    double[] predict(DeviceFrame frame);

    /** The model in a portable format, as stored in the artifact store. */
    ModelArtifact artifact();

    /**
     * The mean squared error on the rows it was fit on, when fitting already computed it (XGBoost does,
     * from its prediction cache); {@code NaN} otherwise, and fleetml predicts the training rows to get it.
     */
    default double trainingMse() {
        return Double.NaN;
    }

    /**
     * How much each of {@code features} (the session's, in order) weighs in the model; null when the algorithm does
     * not say.
     */
    default FeatureImportances importances(java.util.List<String> features) {
        return null;
    }

    /** Frees what the model holds outside the Java heap; a no-op for plain Java models. */
    @Override
    default void close() {
    }
}
