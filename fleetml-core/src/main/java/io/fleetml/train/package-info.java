/**
 * What training one device means, engine-independent: the {@link io.fleetml.train.TrainSpec}, the holdout
 * split, the metrics, the per-device pipeline {@link io.fleetml.train.DeviceTraining} and its
 * {@link io.fleetml.train.TrainOutcome}. Engines run this pipeline for every device.
 */
package io.fleetml.train;
