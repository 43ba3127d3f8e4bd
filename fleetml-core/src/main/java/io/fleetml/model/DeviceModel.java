package io.fleetml.model;

import io.fleetml.data.DeviceFrame;

/** One device's fitted model. */
public interface DeviceModel {

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
}
