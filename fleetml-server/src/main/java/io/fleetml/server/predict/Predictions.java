package io.fleetml.server.predict;

import io.fleetml.registry.ModelVersion;

/**
 * What a prediction request got: every row's prediction from one version.
 *
 * @param version     the version that answered (resolved once, when the request started)
 * @param devices     each row's device
 * @param predictions each row's prediction; NaN where the model could not predict the row (a linear device model and a
 *                    missing feature)
 * @param kinds       which kind of model answered each row: device, fleet, hierarchical or stack
 */
public record Predictions(ModelVersion version, String[] devices, double[] predictions, String[] kinds) {
}
