/**
 * Where the per-device work runs. {@link io.fleetml.engine.LocalEngine} runs it on this machine's cores; the Spark
 * engine (module {@code fleetml-spark}) on a cluster. Engines run the same per-device code
 * ({@link io.fleetml.train.DeviceTraining} through {@link io.fleetml.engine.TrainingWorker},
 * {@link io.fleetml.score.DeviceScoring}) and the same {@link io.fleetml.engine.TrainingCoordinator}, which starts,
 * resumes or retrains a session, beats its heart, records runs in batches and finishes it: workers write model
 * bytes, the coordinator commits tracking records.
 */
package io.fleetml.engine;
