package io.fleetml.engine;

import io.fleetml.data.FleetInputException;
import io.fleetml.data.FleetShape;
import io.fleetml.data.FleetSource;
import io.fleetml.data.FrameQuery;
import io.fleetml.score.DeviceScoring;
import io.fleetml.score.PredictionSink;
import io.fleetml.score.ScoreReport;
import io.fleetml.store.FleetStore;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.SessionSummary;
import io.fleetml.train.TrainSpec;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Runs the fleet on this machine's cores. Many small devices: one device per thread, the algorithm
 * single-threaded. Fewer devices than cores: the algorithm gets the spare cores.
 */
public final class LocalEngine implements Engine {
    private final int threads;

    public LocalEngine() {
        this(Runtime.getRuntime().availableProcessors());
    }

    public LocalEngine(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1");
        }
        this.threads = threads;
    }

    @Override
    public TrainReport train(FleetSource source, TrainSpec spec, FleetStore store, Progress progress) {
        spec.check(); // an unknown algorithm or bad parameters fail before anything is written
        long start = System.nanoTime();
        FleetShape shape = source.shape(spec.frameQuery());
        if (shape.rows() == 0) {
            throw new FleetInputException("no rows with a device id in " + source.description()
                    + (shape.rowsWithoutDevice() > 0 ? " (all " + shape.rowsWithoutDevice() + " rows miss column '" + spec.deviceColumn() + "')" : ""));
        }
        int workers = (int) Math.max(1, Math.min(threads, shape.devices()));
        SessionRecord session = store.tracking().startSession(spec, source.description(), shape.rows(), shape.devices(),
                source.deviceIds(spec.deviceColumn()), store.artifacts().root());
        SessionSummary.Collector collector = new SessionSummary.Collector();
        progress.start("train", shape.devices());
        try (FleetSource.Frames frames = source.frames(spec.frameQuery())) {
            TrainingWorker worker = new TrainingWorker(session, store.artifacts(), Math.max(1, threads / workers));
            DevicePipeline.run(frames, workers, batch -> worker.train(batch.index(), batch.frames()),
                    outcomes -> {
                        store.tracking().recordDevices(session.id(), outcomes);
                        outcomes.forEach(collector::add);
                        progress.advance(outcomes.size());
                    });
        } catch (RuntimeException e) {
            progress.finish();
            store.tracking().finishSession(session.id(), SessionRecord.FAILED, collector.summary(seconds(start)), e.getMessage());
            throw e;
        }
        progress.finish();
        SessionSummary summary = collector.summary(seconds(start));
        store.tracking().finishSession(session.id(), SessionRecord.FINISHED, summary, null);
        return new TrainReport(store.tracking().session(session.id()).orElseThrow(), summary);
    }

    @Override
    public ScoreReport score(FleetSource source, SessionRecord session, FleetStore store, PredictionSink sink, Progress progress) {
        if (!SessionRecord.FINISHED.equals(session.status())) {
            throw new FleetInputException("session " + session.id() + " is " + session.status() + ", not FINISHED; score a finished session");
        }
        TrainSpec spec = session.spec();
        String id = spec.idColumn() != null ? spec.idColumn() : TrainSpec.defaultIdColumn(source.columns());
        FrameQuery query = new FrameQuery(spec.deviceColumn(), spec.features(), null, id, List.of());
        FleetShape shape = source.shape(query);
        long start = System.nanoTime();
        // the model URIs are read while DuckDB sorts the records by device
        CompletableFuture<Map<String, String>> modelUris = CompletableFuture.supplyAsync(() -> store.tracking().modelUris(session.id()));
        ScoreTally tally = new ScoreTally();
        progress.start("score", shape.devices());
        try (FleetSource.Frames frames = source.frames(query)) {
            DeviceScoring scoring = new DeviceScoring(session, joined(modelUris), store.artifacts());
            int workers = (int) Math.max(1, Math.min(threads, shape.devices()));
            DevicePipeline.run(frames, workers, batch -> batch.frames().stream().map(scoring::score).toList(), scored -> {
                for (DeviceScoring.Scored s : scored) {
                    tally.add(s, sink);
                }
                progress.advance(scored.size());
            });
        } finally {
            progress.finish();
        }
        return tally.report(seconds(start));
    }

    /** Hands predictions to the sink on the coordinating thread, counting what got none and why. */
    private static final class ScoreTally {
        private long records;
        private long devices;
        private long predicted;
        private long devicesWithoutModel;
        private long recordsWithoutModel;

        void add(DeviceScoring.Scored s, PredictionSink sink) {
            long[] ids = s.frame().recordIds();
            double[] predictions = s.predictions();
            records += ids.length;
            devices++;
            if (predictions == null) {
                devicesWithoutModel++;
                recordsWithoutModel += ids.length;
                predictions = new double[ids.length];
                Arrays.fill(predictions, Double.NaN);
            } else {
                for (double p : predictions) {
                    if (!Double.isNaN(p)) {
                        predicted++;
                    }
                }
            }
            sink.accept(s.frame().deviceId(), ids, predictions, s.model());
        }

        ScoreReport report(double seconds) {
            return new ScoreReport(records, devices, predicted, devicesWithoutModel, recordsWithoutModel,
                    records - predicted - recordsWithoutModel, seconds);
        }
    }

    private static <T> T joined(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
