/**
 * Online prediction: a request's rows, read against a registered version's device column and features
 * ({@link io.fleetml.server.predict.PredictRows}), grouped by device and predicted by each device's model
 * ({@link io.fleetml.server.predict.OnlinePredictor}) through the server's one model cache; the versions being served
 * keep their device-to-model maps loaded, the most recently used first ({@link io.fleetml.server.predict.ServedVersions}).
 */
package io.fleetml.server.predict;
