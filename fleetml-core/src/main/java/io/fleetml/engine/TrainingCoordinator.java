package io.fleetml.engine;

import io.fleetml.data.DeviceFilter;
import io.fleetml.data.DeviceFrame;
import io.fleetml.fleet.DeviceChoice;
import io.fleetml.fleet.FleetChoice;
import io.fleetml.fleet.FleetComparison;
import io.fleetml.fleet.FleetMode;
import io.fleetml.fleet.FleetReport;
import io.fleetml.fleet.FleetSample;
import io.fleetml.fleet.FleetSpec;
import io.fleetml.fleet.FleetStats;
import io.fleetml.fleet.Stacker;
import io.fleetml.model.Algorithm;
import io.fleetml.model.DeviceModel;
import io.fleetml.model.ModelArtifact;
import io.fleetml.resolve.ModelKind;
import io.fleetml.train.Metrics;
import io.fleetml.data.FleetInputException;
import io.fleetml.store.ArtifactStore;
import io.fleetml.store.DeviceQuery;
import io.fleetml.store.DeviceSelection;
import io.fleetml.store.SessionPlan;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.SessionStatus;
import io.fleetml.store.SessionSummary;
import io.fleetml.store.StoreException;
import io.fleetml.store.TrackingStore;
import io.fleetml.train.TrainOutcome;
import io.fleetml.train.TrainSpec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The one coordinator of a training session, whichever engine trains: it starts (or resumes) the session,
 * beats its heart while the engine works, records device runs in the batches the engine hands it, and finishes
 * it with a summary, carrying a retraining's other devices over from its parent. Engines only read data and
 * train devices; what a session means lives here.
 *
 * <p>Use: {@link #fresh}, {@link #resume} or {@link #retrain} make a {@link Plan} (what to train, which devices);
 * the engine reads the data the plan selects and {@linkplain Plan#begin begins}; then {@link #record} for each
 * batch, and {@link #finish} or {@link #fail}. Closing an unfinished coordinator fails the session.
 */
public final class TrainingCoordinator implements AutoCloseable {
    private static final long HEARTBEAT_SECONDS = 10;
    private final TrackingStore tracking;
    private final SessionRecord session;
    private final boolean wholeSummaryFromStore;
    private final SessionSummary.Collector collector = new SessionSummary.Collector();
    /** The validation statistics of the devices recorded by this process, summed for the stacker as they come. */
    private final double[][] validationGram = FleetStats.gram();
    private final ScheduledExecutorService heart;
    private final long start = System.nanoTime();
    private final String packPrefix;
    private long trained;
    private FleetReport fleetReport;
    private boolean ended;

    private TrainingCoordinator(TrackingStore tracking, SessionRecord session, boolean resumed, boolean wholeSummaryFromStore) {
        this.tracking = tracking;
        this.session = session;
        this.wholeSummaryFromStore = wholeSummaryFromStore;
        // a resumed session writes packs under new names: the ones its earlier attempt wrote hold finished devices
        this.packPrefix = resumed ? "part-r" + Long.toString(System.currentTimeMillis(), 36) + "-" : "part-";
        this.heart = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fleetml-heartbeat " + session.id());
            t.setDaemon(true);
            return t;
        });
        heart.scheduleWithFixedDelay(this::beat, HEARTBEAT_SECONDS, HEARTBEAT_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * What a session will train, known before the engine reads the data: the spec and which devices.
     *
     * @param spec         what to train
     * @param devices      which devices of the data to train
     * @param dataLocation where the data was read from, when a session recorded it (resume and retrain read it again)
     * @param resumed      the session being resumed, or null
     * @param parent       the session being retrained, or null
     * @param selection    which of the parent's devices are retrained, or null
     * @param selected     how many devices the selection names (known ones of the parent and named ones), or -1
     */
    public record Plan(TrainSpec spec, DeviceFilter devices, String dataLocation, SessionRecord resumed, String parent,
                       DeviceSelection selection, long selected) {

        /**
         * Opens the session (or takes over the one being resumed), after the engine has measured the data.
         * Running sessions of the store whose owner is gone are recorded as interrupted first, and their
         * temporary files removed.
         */
        public TrainingCoordinator begin(TrackingStore tracking, ArtifactStore artifacts, SessionPlan plan) {
            for (SessionRecord gone : tracking.markInterrupted()) {
                artifacts.deleteTemporaryFiles(gone.artifactRoot() + gone.id() + "/");
            }
            if (resumed != null) {
                SessionRecord claimed = tracking.resumeSession(resumed.id());
                artifacts.deleteTemporaryFiles(claimed.artifactRoot() + claimed.id() + "/");
                return new TrainingCoordinator(tracking, claimed, true, true);
            }
            return new TrainingCoordinator(tracking, tracking.startSession(plan), false, parent != null);
        }
    }

    /** A new session training every device of the data. */
    public static Plan fresh(TrainSpec spec) {
        return new Plan(spec, DeviceFilter.ALL, null, null, null, null, -1);
    }

    /**
     * Continues an interrupted (or failed) session: trains the devices it has no run for yet, with its spec,
     * then finishes it. Nothing finished is trained again.
     *
     * @throws StoreException CONFLICT when the session is running or finished
     */
    public static Plan resume(TrackingStore tracking, String sessionId) {
        SessionRecord s = tracking.session(sessionId).orElseThrow(() -> StoreException.notFound(
                "no session '" + sessionId + "' in " + tracking.location() + "; list them with: fleetml sessions"));
        if (s.resumeRefusal() != null) {
            throw StoreException.conflict(s.resumeRefusal()); // early, before the data is read; the store checks again when it claims it
        }
        Set<String> done = new HashSet<>();
        tracking.forEachDevice(s.id(), DeviceQuery.ALL, o -> done.add(o.deviceId()));
        DeviceFilter devices = DeviceFilter.except(done);
        if (s.parent() != null && s.selection() != null) {
            Set<String> todo = selected(tracking, s.parent(), s.selection());
            todo.removeAll(done);
            devices = DeviceFilter.only(todo);
        }
        return new Plan(s.spec(), devices, s.dataLocation(), s, s.parent(), s.selection(), -1);
    }

    /**
     * Trains some devices of a finished session again, into a new session that is complete: the devices it does
     * not retrain keep their run and model from {@code parentId}, by reference.
     *
     * @param params parameters that replace the parent's (others stay)
     * @throws FleetInputException when the selection names no device
     */
    public static Plan retrain(TrackingStore tracking, String parentId, DeviceSelection selection, Map<String, String> params) {
        SessionRecord parent = tracking.session(parentId).orElseThrow(() -> StoreException.notFound(
                "no session '" + parentId + "' in " + tracking.location() + "; list them with: fleetml sessions"));
        if (parent.status() != SessionStatus.FINISHED) {
            throw StoreException.conflict("session " + parent.id() + " is " + parent.status() + "; retrain a finished session"
                    + (parent.status().resumable() ? ", or finish this one with: fleetml resume " + parent.id() : ""));
        }
        if (parent.spec().fleet().enabled()) {
            throw new FleetInputException("session " + parent.id() + " has fleet models (--fleet " + parent.spec().fleet().mode().label()
                    + "); retraining some of its devices is not supported yet: train a new session with --fleet");
        }
        Set<String> todo = selected(tracking, parent.id(), selection);
        if (todo.isEmpty()) {
            throw new FleetInputException("nothing to retrain: no " + selection.describe(parent.id()) + "; pick devices with --status or --devices");
        }
        Map<String, String> merged = new LinkedHashMap<>(parent.spec().params());
        merged.putAll(params);
        TrainSpec spec = new TrainSpec(parent.spec().deviceColumn(), parent.spec().features(), parent.spec().label(), parent.spec().algorithm(),
                merged, parent.spec().testFraction(), parent.spec().timeColumns(), parent.spec().idColumn(), parent.spec().minRows(),
                parent.spec().experiment());
        spec.check();
        return new Plan(spec, DeviceFilter.only(todo), parent.dataLocation(), null, parent.id(), selection, todo.size());
    }

    /** The devices a selection names: the parent's devices with its statuses, and the named ones. */
    private static Set<String> selected(TrackingStore tracking, String parent, DeviceSelection selection) {
        Set<String> todo = new HashSet<>(selection.devices());
        if (!selection.statuses().isEmpty()) {
            tracking.forEachDevice(parent, DeviceQuery.ALL.withStatuses(selection.statuses()), o -> todo.add(o.deviceId()));
        }
        return todo;
    }

    public SessionRecord session() {
        return session;
    }

    /**
     * How this run names its model packs: engines append numbers ({@code part-00003}). Unique per run of a
     * session, so that resuming never overwrites a pack of devices already finished.
     */
    public String packPrefix() {
        return packPrefix;
    }

    private void beat() {
        try {
            tracking.heartbeat(session.id());
        } catch (RuntimeException e) {
            // a busy store misses one beat; readers wait minutes before calling a session interrupted
        }
    }

    /** Records a batch of device runs (one transaction). Called from one thread, in batch order. */
    public void record(List<TrainOutcome> outcomes) {
        tracking.recordDevices(session.id(), outcomes);
        outcomes.forEach(collector::add);
        for (TrainOutcome o : outcomes) {
            if (o.fleet() != null && o.status() == TrainOutcome.Status.OK) {
                FleetStats.addGram(validationGram, o.fleet().stats(), FleetStats.VALIDATION);
            }
        }
        trained += outcomes.size();
    }

    /**
     * The session's fleet model, open (the caller closes it), or null when the spec trains device models only. A
     * resumed session loads the one it stored before; else it is fit on the sample {@code collect} gathers (given the
     * per-device quota), stored beside the device models, and recorded with the session.
     */
    public DeviceModel fleetModel(ArtifactStore artifacts, java.util.function.LongFunction<DeviceFrame> collect, int threads) {
        FleetSpec fleet = session.spec().fleet();
        if (!fleet.enabled()) {
            return null;
        }
        Algorithm algorithm = fleet.resolveAlgorithm();
        try {
            if (session.fleet() != null && session.fleet().modelUri() != null) {
                return algorithm.load(artifacts.read(session.fleet().modelUri()));
            }
            long quota = FleetSample.quota(fleet.sampleRows(), Math.max(1, session.nDevices()));
            DeviceFrame sample = collect.apply(quota);
            if (sample.rows() == 0) {
                throw new FleetInputException("no training rows for the fleet model: no device has a labelled training row");
            }
            Map<String, String> params = fleet.resolvedParams();
            ModelArtifact artifact;
            try (DeviceModel fitted = algorithm.trainer(params, threads).fit(sample)) {
                artifact = fitted.artifact();
            }
            // read back as scoring and a resumed session read it: set up for many small predictions from worker threads
            DeviceModel model = algorithm.load(artifact);
            byte[] meta = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(Map.of("session_id", session.id(),
                    "kind", "fleet", "algorithm", algorithm.name(), "params", params, "features", session.spec().features(),
                    "sample_rows", sample.rows(), "library", algorithm.library()));
            String uri = artifacts.writePack(session.id(), "fleet", List.of(new ArtifactStore.DeviceArtifact("fleet", artifact, meta))).get(0);
            FleetReport report = new FleetReport(fleet.mode(), algorithm.name(), params, uri, sample.rows(), quota, null, Map.of(), List.of());
            tracking.recordFleet(session.id(), report);
            fleetReport = report;
            return model;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot store or read the fleet model: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("the fleet model could not be fit: " + e.getMessage(), e);
        }
    }

    /** Finishes the session: a retraining inherits its parent's other devices, then the summary is recorded. */
    public TrainReport finish() {
        stopHeart();
        ended = true;
        if (session.parent() != null) {
            tracking.inheritRuns(session.id(), session.parent());
        }
        if (session.spec().fleet().enabled()) {
            finishFleet();
        }
        SessionSummary summary = wholeSummaryFromStore ? summaryFromStore() : collector.summary(seconds());
        tracking.finishSession(session.id(), SessionStatus.FINISHED, summary, summary.devices(), null);
        return new TrainReport(tracking.session(session.id()).orElseThrow(), summary, trained);
    }

    /**
     * Fits the stacker on every device's validation statistics, then chooses each device's model and records the
     * choices, the stack's test metrics and the comparison table. Two passes over the runs in the store, none over
     * the data; one when this process trained every device (it summed their validation statistics as it recorded
     * them: 1-2 s less on 100,000 devices).
     */
    private void finishFleet() {
        FleetReport report = fleetReport != null ? fleetReport : tracking.session(session.id()).orElseThrow().fleet();
        FleetMode mode = session.spec().fleet().mode();
        double[][] gram = validationGram;
        if (wholeSummaryFromStore) { // resumed: devices trained before are in the store only
            double[][] all = FleetStats.gram();
            tracking.forEachDevice(session.id(), DeviceQuery.ALL, o -> {
                if (o.fleet() != null && o.status() == TrainOutcome.Status.OK) {
                    FleetStats.addGram(all, o.fleet().stats(), FleetStats.VALIDATION);
                }
            });
            gram = all;
        }
        Stacker stacker = mode == FleetMode.STACK ? Stacker.fit(gram) : null;
        FleetComparison comparison = new FleetComparison(mode, stacker);
        List<DeviceChoice> choices = new ArrayList<>();
        tracking.forEachDevice(session.id(), DeviceQuery.ALL, o -> {
            if (o.fleet() == null) {
                return; // no device id: nothing can answer for it
            }
            boolean own = o.status() == TrainOutcome.Status.OK;
            double[] stats = o.fleet().stats();
            ModelKind chosen = FleetChoice.choose(mode, own, stats, stacker);
            comparison.add(own, stats, chosen);
            choices.add(new DeviceChoice(o.deviceId(), chosen,
                    stacker == null || !own ? Metrics.NONE : FleetStats.metrics(stats, FleetStats.TEST, stacker.weights())));
        });
        for (int from = 0; from < choices.size(); from += 10_000) {
            tracking.recordChoices(session.id(), choices.subList(from, Math.min(choices.size(), from + 10_000)));
        }
        tracking.recordFleet(session.id(), report.finished(stacker, comparison.chosen(), comparison.table()));
    }

    /** A resumed or retrained session's summary covers every run it has, not only those trained now. */
    private SessionSummary summaryFromStore() {
        SessionSummary.Collector all = new SessionSummary.Collector();
        tracking.forEachDevice(session.id(), DeviceQuery.ALL, all::add);
        return all.summary(seconds());
    }

    /** Records the session as failed with the reason; returns {@code e} for the caller to throw. */
    public <E extends Throwable> E fail(E e) {
        stopHeart();
        if (!ended) {
            ended = true;
            try {
                tracking.finishSession(session.id(), SessionStatus.FAILED, collector.summary(seconds()), collector.devices(),
                        String.valueOf(e.getMessage()));
            } catch (RuntimeException unrecorded) {
                e.addSuppressed(unrecorded); // the store is gone too (disk full): readers will see an interrupted session
            }
        }
        return e;
    }

    private void stopHeart() {
        heart.shutdownNow();
    }

    private double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    /** Fails the session if it was neither finished nor failed. */
    @Override
    public void close() {
        if (!ended) {
            fail(new IllegalStateException("training stopped before the session finished"));
        }
        stopHeart();
    }
}
