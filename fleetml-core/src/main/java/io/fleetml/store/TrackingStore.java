package io.fleetml.store;

import io.fleetml.data.DeviceIdType;
import io.fleetml.train.TrainOutcome;
import io.fleetml.train.TrainSpec;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where training sessions (parent runs) and device runs (nested runs) are recorded. One writer (the
 * engine's coordinator) records device runs in batches; any number of readers, in this or other
 * processes, may look at the same store meanwhile.
 */
public interface TrackingStore extends AutoCloseable {

    /** Opens a {@code RUNNING} session in {@code spec.experiment()} (created when new); returns it. */
    SessionRecord startSession(TrainSpec spec, String dataSource, long nRows, long nDevices, DeviceIdType deviceIds, String artifactRoot);

    /** Records device runs of a session, in one transaction; recording a device again replaces its run. */
    void recordDevices(String sessionId, List<TrainOutcome> outcomes);

    /** Ends a session as {@code FINISHED} or {@code FAILED}. */
    void finishSession(String sessionId, String status, SessionSummary summary, String error);

    /** Sessions, newest first; all experiments when {@code experiment} is null. */
    List<SessionRecord> sessions(String experiment);

    /** The session with this id, or the newest finished one for {@code "latest"}. */
    Optional<SessionRecord> session(String idOrLatest);

    /** The device runs of a session, in device order: by number when the session's device ids are integers. */
    List<TrainOutcome> devices(String sessionId);

    /** Device id to model URI, for the devices of a session that have a model: what scoring needs. */
    Map<String, String> modelUris(String sessionId);

    @Override
    void close();
}
