package io.fleetml.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fleetml.data.FleetInputException;
import io.fleetml.data.FleetShape;
import io.fleetml.data.FleetSource;
import io.fleetml.data.FrameQuery;
import io.fleetml.model.Algorithm;
import io.fleetml.score.DeviceScoring;
import io.fleetml.score.PredictionSink;
import io.fleetml.score.ScoreReport;
import io.fleetml.store.ArtifactStore.DeviceArtifact;
import io.fleetml.store.FleetStore;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.SessionSummary;
import io.fleetml.train.DeviceTraining;
import io.fleetml.train.TrainOutcome;
import io.fleetml.train.TrainSpec;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs the fleet on this machine's cores. Many small devices: one device per thread, the algorithm
 * single-threaded. Fewer devices than cores: the algorithm gets the spare cores.
 */
public final class LocalEngine implements Engine {
    private static final ObjectMapper JSON = new ObjectMapper();
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
        Algorithm algorithm = spec.resolveAlgorithm();
        Map<String, String> params = spec.resolvedParams(); // bad parameters fail before anything is written
        long start = System.nanoTime();
        FleetShape shape = source.shape(spec.frameQuery());
        if (shape.rows() == 0) {
            throw new FleetInputException("no rows with a device id in " + source.description()
                    + (shape.rowsWithoutDevice() > 0 ? " (all " + shape.rowsWithoutDevice() + " rows miss column '" + spec.deviceColumn() + "')" : ""));
        }
        int workers = (int) Math.max(1, Math.min(threads, shape.devices()));
        DeviceTraining training = new DeviceTraining(spec, Math.max(1, threads / workers));
        SessionRecord session = store.tracking().startSession(spec, source.description(), shape.rows(), shape.devices(), store.artifacts().root());
        SessionSummary.Collector collector = new SessionSummary.Collector();
        progress.start("train", shape.devices());
        try (FleetSource.Frames frames = source.frames(spec.frameQuery())) {
            MetaWriter meta = new MetaWriter(session, algorithm, params);
            DevicePipeline.run(frames, workers, batch -> trainBatch(batch, training, meta, store),
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

    /** Worker side: train the batch's devices, write their models as one pack, return the outcomes. */
    private static List<TrainOutcome> trainBatch(DevicePipeline.Batch batch, DeviceTraining training, MetaWriter meta,
                                                 FleetStore store) {
        List<TrainOutcome> outcomes = new ArrayList<>(batch.frames().size());
        List<DeviceArtifact> artifacts = new ArrayList<>();
        List<Integer> stored = new ArrayList<>();
        for (var frame : batch.frames()) {
            DeviceTraining.Result r = training.train(frame);
            if (r.artifact() != null) {
                stored.add(outcomes.size());
                artifacts.add(new DeviceArtifact(frame.deviceId(), r.artifact(), meta.meta(r)));
            }
            outcomes.add(r.outcome());
        }
        if (!artifacts.isEmpty()) {
            try {
                List<String> uris = store.artifacts().writePack(meta.sessionId, batch.index(), artifacts);
                for (int i = 0; i < uris.size(); i++) {
                    int at = stored.get(i);
                    outcomes.set(at, outcomes.get(at).withModelUri(uris.get(i)));
                }
            } catch (IOException | RuntimeException e) {
                for (int at : stored) {
                    outcomes.set(at, outcomes.get(at).storeFailed("cannot store the model: " + e.getMessage()));
                }
            }
        }
        return outcomes;
    }

    /**
     * The metadata stored beside each model: enough to load and understand it without the tracking store.
     * What all devices share is serialised once; per device only its own fields are appended.
     */
    private static final class MetaWriter {
        private final String shared;
        final String sessionId;

        MetaWriter(SessionRecord session, Algorithm algorithm, Map<String, String> params) {
            sessionId = session.id();
            ObjectNode m = JSON.createObjectNode();
            m.put("session_id", session.id());
            m.put("algorithm", algorithm.name());
            m.set("params", JSON.valueToTree(params));
            m.set("features", JSON.valueToTree(session.spec().features()));
            m.put("label", session.spec().label());
            m.put("library", algorithm.library());
            String json = m.toString();
            shared = json.substring(0, json.length() - 1);
        }

        byte[] meta(DeviceTraining.Result r) {
            TrainOutcome o = r.outcome();
            double mse = o.holdout().mse();
            return (shared + ",\"device_id\":" + JSON.getNodeFactory().textNode(o.deviceId())
                    + ",\"model_file\":" + JSON.getNodeFactory().textNode(r.artifact().fileName())
                    + ",\"n_used\":" + o.nUsed() + ",\"holdout_mse\":" + (Double.isNaN(mse) ? "null" : Double.toString(mse)) + "}")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Override
    public ScoreReport score(FleetSource source, SessionRecord session, FleetStore store, PredictionSink sink, Progress progress) {
        if (!SessionRecord.FINISHED.equals(session.status())) {
            throw new FleetInputException("session " + session.id() + " is " + session.status() + ", not FINISHED; score a finished session");
        }
        TrainSpec spec = session.spec();
        String id = spec.idColumn() != null ? spec.idColumn() : (source.columns().contains("record_id") ? "record_id" : null);
        FrameQuery query = new FrameQuery(spec.deviceColumn(), spec.features(), null, id, List.of());
        FleetShape shape = source.shape(query);
        DeviceScoring scoring = new DeviceScoring(session, store.tracking().devices(session.id()), store.artifacts());
        long start = System.nanoTime();
        ScoreTally tally = new ScoreTally();
        progress.start("score", shape.devices());
        try (FleetSource.Frames frames = source.frames(query)) {
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
            String device = s.frame().deviceId();
            double[] predictions = s.predictions();
            records += ids.length;
            devices++;
            if (predictions == null) {
                devicesWithoutModel++;
                recordsWithoutModel += ids.length;
            }
            for (int i = 0; i < ids.length; i++) {
                double p = predictions == null ? Double.NaN : predictions[i];
                if (!Double.isNaN(p)) {
                    predicted++;
                }
                sink.accept(ids[i], device, p, s.model());
            }
        }

        ScoreReport report(double seconds) {
            return new ScoreReport(records, devices, predicted, devicesWithoutModel, recordsWithoutModel,
                    records - predicted - recordsWithoutModel, seconds);
        }
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
