package io.fleetml.score;

import io.fleetml.data.DeviceFrame;
import io.fleetml.model.Algorithm;
import io.fleetml.model.DeviceModel;
import io.fleetml.store.ArtifactStore;
import io.fleetml.store.SessionRecord;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/** Predicts a device's records with that device's model from one session. Thread-safe. */
public final class DeviceScoring {
    private final Map<String, String> modelUris = new HashMap<>();
    private final ArtifactStore artifacts;
    private final Algorithm algorithm;
    private final String modelName;

    /** Predictions for one device's frame; {@code predictions} is null when the device has no model. */
    public record Scored(DeviceFrame frame, double[] predictions, String model) {
    }

    /** @param modelUris the model URI of every device that has a model in {@code session} */
    public DeviceScoring(SessionRecord session, Map<String, String> modelUris, ArtifactStore artifacts) {
        this.modelUris.putAll(modelUris);
        this.artifacts = artifacts;
        this.algorithm = session.spec().resolveAlgorithm();
        this.modelName = modelName(session);
    }

    /** What answers for a device scored with {@code session}: its own model from that session. */
    public static String modelName(SessionRecord session) {
        return "device/" + session.id();
    }

    /** Loads the device's model (once: frames arrive one per device) and predicts every row. */
    public Scored score(DeviceFrame frame) {
        String uri = modelUris.get(frame.deviceId());
        if (uri == null) {
            return new Scored(frame, null, null);
        }
        try (DeviceModel model = algorithm.load(artifacts.read(uri))) {
            return new Scored(frame, model.predict(frame), modelName);
        } catch (IOException e) {
            throw new IllegalStateException("cannot load the model of device " + frame.deviceId() + " from " + uri + ": " + e.getMessage(), e);
        }
    }
}
