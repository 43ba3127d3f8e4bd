package io.fleetml.store;

import io.fleetml.data.DeviceIdType;
import io.fleetml.train.TrainSpec;

/**
 * What a new session is about to train, as recorded when it starts.
 *
 * @param spec         what to train
 * @param dataSource   where the rows come from, for people
 * @param dataLocation where to read them again to resume (absolute path, glob or table), or null
 * @param nRows        rows to train on
 * @param nDevices     devices to train
 * @param deviceIds    the type of the device column
 * @param artifactRoot where models go, as an absolute URI
 * @param parent       the session this one retrains, or null
 * @param selection    which of the parent's devices it retrains, or null
 * @param engine       {@code local} or {@code spark}
 */
public record SessionPlan(TrainSpec spec, String dataSource, String dataLocation, long nRows, long nDevices, DeviceIdType deviceIds,
                          String artifactRoot, String parent, DeviceSelection selection, String engine) {
}
