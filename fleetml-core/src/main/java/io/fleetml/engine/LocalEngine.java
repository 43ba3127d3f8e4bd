package io.fleetml.engine;

import io.fleetml.data.DeviceFrame;
import io.fleetml.data.FleetInputException;
import io.fleetml.fleet.FleetSample;
import io.fleetml.model.DeviceModel;
import io.fleetml.train.DeviceTraining;
import io.fleetml.data.FleetShape;
import io.fleetml.data.FleetSource;
import io.fleetml.data.FrameQuery;
import io.fleetml.resolve.ModelResolver;
import io.fleetml.resolve.ModelUse;
import io.fleetml.score.DeviceScoring;
import io.fleetml.score.PredictionSink;
import io.fleetml.score.ScoreReport;
import io.fleetml.store.ArtifactStore;
import io.fleetml.store.FleetStore;
import io.fleetml.resolve.SessionModels;
import io.fleetml.store.SessionPlan;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.TrackingStore;
import io.fleetml.train.TrainSpec;

import java.util.concurrent.CompletableFuture;

/**
 * Runs the fleet on this machine's cores. Many small devices: one device per thread, the algorithm
 * single-threaded. Fewer devices than cores: the algorithm gets the spare cores.
 */
public final class LocalEngine implements Engine {
    private final int threads;

    public LocalEngine() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /** @throws FleetInputException when {@code threads} is less than 1 */
    public LocalEngine(int threads) {
        if (threads < 1) {
            throw new FleetInputException("threads must be at least 1, got " + threads);
        }
        this.threads = threads;
    }

    /** Trains a new session on every device of {@code source}. */
    public TrainReport train(FleetSource source, TrainSpec spec, FleetStore store, Progress progress) {
        return train(source, TrainingCoordinator.fresh(spec), store, progress);
    }

    @Override
    public TrainReport train(FleetSource source, TrainingCoordinator.Plan plan, FleetStore store, Progress progress) {
        TrainSpec spec = plan.spec();
        spec.check(); // an unknown algorithm or bad parameters fail before anything is written
        FrameQuery query = spec.frameQuery().withDevices(plan.devices());
        FleetShape shape = source.shape(query);
        boolean fresh = plan.resumed() == null && plan.parent() == null;
        if (fresh && shape.rows() == 0) {
            throw new FleetInputException("no rows with a device id in " + source.description()
                    + (shape.rowsWithoutDevice() > 0 ? " (all " + shape.rowsWithoutDevice() + " rows miss column '" + spec.deviceColumn() + "')" : ""));
        }
        if (plan.parent() != null && plan.resumed() == null && shape.devices() == 0) {
            throw new FleetInputException("none of the " + plan.selected() + " devices to retrain is in " + source.description()
                    + "; point --data at their data");
        }
        int workers = (int) Math.max(1, Math.min(threads, shape.devices()));
        SessionPlan recorded = new SessionPlan(spec, source.description(), source.location(), shape.rows(), shape.devices(),
                source.deviceIds(spec.deviceColumn()), store.artifacts().root(), plan.parent(), plan.selection(), "local");
        try (TrainingCoordinator session = plan.begin(store.tracking(), store.artifacts(), recorded)) {
            progress.start("train", shape.devices());
            try {
                if (shape.devices() > 0) {
                    try (DeviceModel fleet = session.fleetModel(store.artifacts(), quota -> sample(source, query, spec, quota, workers), threads);
                         FleetSource.Frames frames = source.frames(query)) {
                        TrainingWorker worker = new TrainingWorker(session.session(), store.artifacts(), Math.max(1, threads / workers), fleet);
                        String packs = session.packPrefix();
                        DevicePipeline.run(frames, workers, batch -> worker.train(packs + String.format("%05d", batch.index()), batch.frames()),
                                outcomes -> {
                                    session.record(outcomes);
                                    progress.advance(outcomes.size());
                                });
                    }
                }
            } catch (RuntimeException e) {
                throw session.fail(e);
            } catch (Error e) {
                throw session.fail(e);
            } finally {
                progress.finish();
            }
            return session.finish();
        }
    }

    /** The fleet model's sample: a first pass over the devices, taking up to {@code quota} training rows of each. */
    private static DeviceFrame sample(FleetSource source, FrameQuery query, TrainSpec spec, long quota, int workers) {
        DeviceTraining training = new DeviceTraining(spec, 1);
        FleetSample sample = new FleetSample(spec.features(), spec.fleet().sampleRows(), spec.seed());
        boolean dropMissing = !spec.fleet().resolveAlgorithm().handlesMissingFeatures();
        try (FleetSource.Frames frames = source.frames(query)) {
            DevicePipeline.run(frames, workers, batch -> {
                batch.frames().forEach(f -> sample.add(FleetSample.take(f, training.trainingRows(f), quota, dropMissing, spec.seed())));
                return null;
            }, ignored -> { });
        }
        return sample.frame();
    }

    /**
     * Predicts every record of {@code source} with its device's model from {@code session} (a finished one). The
     * session's models are read from the store while the data is sorted.
     */
    public ScoreReport score(FleetSource source, SessionRecord session, FleetStore store, PredictionSink sink, Progress progress) {
        return score(source, session.spec().scoreQuery(source.columns(), null), models(session, store.tracking()), store.artifacts(),
                sink, progress);
    }

    /**
     * The models of a finished session, read in the background.
     *
     * @throws FleetInputException when the session is not finished
     */
    public static ModelResolver models(SessionRecord session, TrackingStore tracking) {
        return models(session, tracking, ModelUse.CHOSEN);
    }

    /**
     * The models of a finished session that {@code use} asks for, read in the background.
     *
     * @throws FleetInputException when the session is not finished, or has no such models
     */
    public static ModelResolver models(SessionRecord session, TrackingStore tracking, ModelUse use) {
        SessionModels.requireScorable(session, use);
        return ModelResolver.deferred(CompletableFuture.supplyAsync(() -> SessionModels.of(session, tracking, use)),
                SessionModels.names(session, tracking));
    }

    @Override
    public ScoreReport score(FleetSource source, FrameQuery query, ModelResolver models, ArtifactStore artifacts, PredictionSink sink,
                             Progress progress) {
        FleetShape shape = source.shape(query);
        long start = System.nanoTime();
        ScoreReport.Tally tally = new ScoreReport.Tally();
        progress.start("score", shape.devices());
        try (FleetSource.Frames frames = source.frames(query); DeviceScoring scoring = new DeviceScoring(models, artifacts)) {
            int workers = (int) Math.max(1, Math.min(threads, shape.devices()));
            DevicePipeline.run(frames, workers, batch -> batch.frames().stream().map(scoring::score).toList(), scored -> {
                for (DeviceScoring.Scored s : scored) {
                    sink.accept(s.frame().deviceId(), s.frame().recordIds(), tally.add(s), s.model());
                }
                progress.advance(scored.size());
            });
        } finally {
            progress.finish();
        }
        return tally.report((System.nanoTime() - start) / 1e9);
    }
}
