/**
 * Where the per-device work runs. {@link io.fleetml.engine.LocalEngine} runs it on this machine's cores;
 * the Spark engine (module {@code fleetml-spark}) on a cluster. Engines run the same per-device code
 * ({@link io.fleetml.train.DeviceTraining}, {@link io.fleetml.score.DeviceScoring}); workers write model
 * bytes and the coordinator commits tracking records in batches.
 */
package io.fleetml.engine;
