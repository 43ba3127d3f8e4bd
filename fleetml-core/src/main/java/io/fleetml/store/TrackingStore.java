package io.fleetml.store;

import io.fleetml.train.TrainOutcome;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where training sessions (parent runs) and device runs (nested runs) are recorded. One writer (the
 * engine's coordinator) records device runs in batches; any number of readers, in this or other processes,
 * may look at the same store meanwhile. Listings are filtered, sorted and paged by the store, never whole in
 * memory. Failures are {@link StoreException}s of a kind a caller can act on.
 */
public interface TrackingStore extends AutoCloseable {

    /** Opens a {@code RUNNING} session owned by this process, in {@code plan.spec().experiment()} (created when new). */
    SessionRecord startSession(SessionPlan plan);

    /**
     * Takes over a {@linkplain SessionStatus#resumable() resumable} session: it is {@code RUNNING} again,
     * owned by this process.
     *
     * @throws StoreException CONFLICT when it is running or finished, NOT_FOUND when there is none
     */
    SessionRecord resumeSession(String sessionId);

    /** Records running sessions whose owner is gone as {@code INTERRUPTED}; returns them, so that their temporary files can go. */
    List<SessionRecord> markInterrupted();

    /** Tells readers the session's owner is alive. */
    void heartbeat(String sessionId);

    /** Records device runs of a session, in one transaction; recording a device again replaces its run. */
    void recordDevices(String sessionId, List<TrainOutcome> outcomes);

    /**
     * Completes a retraining: each device that failed to retrain but has a model in {@code parent} keeps that
     * model (its run says so), and every device of {@code parent} without a run here gets the parent's run, by
     * reference to the same model. No model bytes are copied.
     *
     * @return how many runs were carried over
     */
    long inheritRuns(String sessionId, String parent);

    /** Ends a session as {@code FINISHED} or {@code FAILED}; {@code nDevices} is its final device count. */
    /** Records (or replaces) what a session's fleet models are. */
    void recordFleet(String sessionId, io.fleetml.fleet.FleetReport report);

    /** Records each device's chosen model and the stack's test metrics, once the session's stacker is fit. */
    void recordChoices(String sessionId, List<io.fleetml.fleet.DeviceChoice> choices);

    void finishSession(String sessionId, SessionStatus status, SessionSummary summary, long nDevices, String error);

    /** Every experiment, by id (the order they were made in). */
    List<Experiment> experiments();

    /** Sessions, newest first; all experiments when {@code experiment} is null. */
    List<SessionRecord> sessions(String experiment);

    /** The session with this id. */
    Optional<SessionRecord> session(String id);

    /** The newest finished session with at least one device that has a model, in {@code experiment} when not null. */
    Optional<SessionRecord> latest(String experiment);

    /** One device's run in a session. */
    Optional<TrainOutcome> device(String sessionId, String deviceId);

    /** The runs {@code query} selects, in its order, one page. */
    List<TrainOutcome> devices(String sessionId, DeviceQuery query);

    /** How many runs {@code query} selects, ignoring its page. */
    long countDevices(String sessionId, DeviceQuery query);

    /** Hands every run {@code query} selects to {@code each}, in order, streaming: memory stays flat. */
    void forEachDevice(String sessionId, DeviceQuery query, Consumer<TrainOutcome> each);

    /**
     * One device's runs across sessions, newest session first, at most {@code limit} (0 for all). A device id is the
     * same device in every session, whether a session keeps its ids as integers or as text.
     */
    List<DeviceRun> deviceHistory(String deviceId, int limit);

    /**
     * Deletes sessions and their device runs.
     *
     * @return the model packs (URIs) that no remaining run refers to: the caller deletes them
     * @throws StoreException CONFLICT when one is running; NOT_FOUND when one does not exist (nothing is deleted then)
     */
    List<String> deleteSessions(List<String> sessionIds);

    /** The store's location, for messages. */
    String location();

    /** The registry kept in this store, beside the sessions its versions name. */
    io.fleetml.registry.ModelRegistry registry();

    /** Aggregates over this store's device runs: histograms, bins, counts, failure groups, comparisons. */
    io.fleetml.stats.SessionStats stats();

    @Override
    void close();
}
