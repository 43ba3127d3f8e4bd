package io.fleetml.engine;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fleetml.data.DeviceFrame;
import io.fleetml.model.Algorithm;
import io.fleetml.model.DeviceModel;
import io.fleetml.store.ArtifactStore;
import io.fleetml.store.ArtifactStore.DeviceArtifact;
import io.fleetml.store.SessionRecord;
import io.fleetml.train.DeviceTraining;
import io.fleetml.train.TrainOutcome;
import io.fleetml.train.TrainSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The worker side of training, the same in every engine: train a batch of devices, write their models
 * to the artifact store as one pack, and return the outcomes (with model URIs) for the coordinator to
 * record. A failure to store fails the batch's devices, not the session.
 */
public final class TrainingWorker {
    /** The most devices a pack holds: 100,000 small devices make a few hundred files, not 100,000. */
    public static final int MAX_PACK_DEVICES = 512;
    /** The most rows of devices trained into one pack (a large device gets a pack, and a worker, to itself). */
    public static final int MAX_PACK_ROWS = 65_536;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String sessionId;
    private final DeviceTraining training;
    private final ArtifactStore artifacts;
    private final String sharedMeta;

    /**
     * @param threadsPerDevice threads the algorithm may use for one device
     * @param fleetModel       the session's fleet model, or null when it has none
     */
    public TrainingWorker(SessionRecord session, ArtifactStore artifacts, int threadsPerDevice, DeviceModel fleetModel) {
        TrainSpec spec = session.spec();
        this.sessionId = session.id();
        this.training = new DeviceTraining(spec, threadsPerDevice, fleetModel);
        this.artifacts = artifacts;
        // What all devices' metadata shares is serialised once; per device only its own fields are appended.
        Algorithm algorithm = spec.resolveAlgorithm();
        ObjectNode m = JSON.createObjectNode();
        m.put("session_id", session.id());
        m.put("algorithm", algorithm.name());
        m.set("params", JSON.valueToTree(spec.resolvedParams()));
        m.set("features", JSON.valueToTree(spec.features()));
        m.put("label", spec.label());
        m.put("library", algorithm.library());
        String json = m.toString();
        this.sharedMeta = json.substring(0, json.length() - 1);
    }

    /** Whether a batch of {@code devices} holding {@code rows} rows is full: every engine cuts its packs by this rule. */
    public static boolean packFull(int devices, long rows) {
        return rows >= MAX_PACK_ROWS || devices >= MAX_PACK_DEVICES;
    }

    /** Trains {@code frames}, stores their models as pack {@code pack} (a file name), returns one outcome per frame in order. */
    public List<TrainOutcome> train(String pack, List<DeviceFrame> frames) {
        List<TrainOutcome> outcomes = new ArrayList<>(frames.size());
        List<DeviceArtifact> toStore = new ArrayList<>();
        List<Integer> stored = new ArrayList<>();
        List<DeviceArtifact> residuals = new ArrayList<>();
        List<Integer> withResidual = new ArrayList<>();
        double[][] fleet = training.fleetPredictions(frames);
        for (int i = 0; i < frames.size(); i++) {
            DeviceFrame frame = frames.get(i);
            DeviceTraining.Result r = training.train(frame, fleet == null ? null : fleet[i]);
            if (r.artifact() != null) {
                stored.add(outcomes.size());
                toStore.add(new DeviceArtifact(frame.deviceId(), r.artifact(), meta(r)));
            }
            if (r.residual() != null) {
                withResidual.add(outcomes.size());
                residuals.add(new DeviceArtifact(frame.deviceId(), r.residual(), meta(r)));
            }
            outcomes.add(r.outcome());
        }
        if (!residuals.isEmpty()) {
            // the residual models of the hierarchical model: a pack of their own, keyed by device as the device models are
            try {
                List<String> uris = artifacts.writePack(sessionId, pack + "-residual", residuals);
                for (int i = 0; i < uris.size(); i++) {
                    int at = withResidual.get(i);
                    TrainOutcome o = outcomes.get(at);
                    outcomes.set(at, o.withFleet(o.fleet().withResidualUri(uris.get(i))));
                }
            } catch (IOException | RuntimeException e) {
                for (int at : withResidual) {
                    outcomes.set(at, outcomes.get(at).storeFailed("cannot store the residual model: " + e.getMessage()));
                }
            }
        }
        if (!toStore.isEmpty()) {
            try {
                List<String> uris = artifacts.writePack(sessionId, pack, toStore);
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

    /** A JSON string literal, escaped by Jackson's encoder: through Jackson's tree it cost as much as fitting a linear model. */
    private static String quoted(String s) {
        return '"' + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + '"';
    }

    /** The metadata stored beside each model: enough to load and understand it without the tracking store. */
    private byte[] meta(DeviceTraining.Result r) {
        TrainOutcome o = r.outcome();
        double mse = o.holdout().mse();
        return (sharedMeta + ",\"device_id\":" + quoted(o.deviceId())
                + ",\"model_file\":" + quoted(r.artifact().fileName())
                + ",\"n_used\":" + o.nUsed() + ",\"holdout_mse\":" + (Double.isNaN(mse) ? "null" : Double.toString(mse)) + "}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
