package io.fleetml.store;

import io.fleetml.data.DeviceIdType;
import io.fleetml.fleet.FleetReport;
import io.fleetml.train.TrainSpec;

/**
 * A training session: the parent run of one nested run per device.
 *
 * @param id            session id (time-sortable, e.g. {@code 20261124-101500-ab12})
 * @param experiment    the experiment it belongs to
 * @param status        where it stands; a running session whose owner is gone reads as {@link SessionStatus#INTERRUPTED}
 * @param startedAt     ISO-8601 instant
 * @param endedAt       ISO-8601 instant, or null while running
 * @param spec          what was trained
 * @param dataSource    where the rows came from, for people (e.g. {@code data/*.csv.gz (12 files)})
 * @param dataLocation  where to read them again (an absolute path or glob, a Spark table), to resume; may be null
 * @param nRows         rows read
 * @param nDevices      devices in the session
 * @param deviceIds     how its results write device ids: integers when the device column held integers
 * @param summary       outcome counts and metric distribution, or null until finished
 * @param artifactRoot  where the session's models are stored, as an absolute URI
 * @param error         why the session failed, or null
 * @param parent        the session this one retrained (inheriting its other devices' runs), or null
 * @param selection     which of the parent's devices this one retrains, or null
 * @param engine        what trained it: {@code local} or {@code spark}
 * @param owner         the process that runs (or ran) it, or null
 * @param heartbeatAt   ISO-8601 instant of its owner's last sign of life, or null
 * @param fleet         its fleet models, or null when it trained device models only (or has not fit its fleet model yet)
 */
public record SessionRecord(String id, String experiment, SessionStatus status, String startedAt, String endedAt,
                            TrainSpec spec, String dataSource, String dataLocation, long nRows, long nDevices, DeviceIdType deviceIds,
                            SessionSummary summary, String artifactRoot, String error, String parent, DeviceSelection selection,
                            String engine, SessionOwner owner, String heartbeatAt, FleetReport fleet) implements java.io.Serializable {

    /** Why {@code fleetml resume} may not continue this session, with what to do instead; null when it may. */
    public String resumeRefusal() {
        if (status.resumable()) {
            return null;
        }
        return "session " + id + " is " + status + (status == SessionStatus.RUNNING
                ? " (process " + owner + "); wait for it, or stop that process first"
                : "; nothing to resume (to train some devices again: fleetml retrain " + id + ")");
    }
}
