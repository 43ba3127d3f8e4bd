package io.fleetml.store;

import io.fleetml.data.DeviceIdType;
import io.fleetml.train.TrainSpec;

/**
 * A training session: the parent run of one nested run per device.
 *
 * @param id           session id (time-sortable, e.g. {@code 20261124-101500-ab12})
 * @param experiment   the experiment it belongs to
 * @param status       {@code RUNNING}, {@code FINISHED} or {@code FAILED}; only finished sessions are scored
 * @param startedAt    ISO-8601 instant
 * @param endedAt      ISO-8601 instant, or null while running
 * @param spec         what was trained
 * @param dataSource   where the rows came from
 * @param nRows        rows read
 * @param nDevices     devices in the data
 * @param deviceIds    how its results write device ids: integers when the device column held integers
 * @param summary      outcome counts and metric distribution, or null while running
 * @param artifactRoot where the session's models are stored
 * @param error        why the session failed, or null
 */
public record SessionRecord(String id, String experiment, String status, String startedAt, String endedAt,
                            TrainSpec spec, String dataSource, long nRows, long nDevices, DeviceIdType deviceIds, SessionSummary summary,
                            String artifactRoot, String error) implements java.io.Serializable {
    public static final String RUNNING = "RUNNING";
    public static final String FINISHED = "FINISHED";
    public static final String FAILED = "FAILED";
}
