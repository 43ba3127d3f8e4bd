package io.fleetml.score;

import io.fleetml.data.DeviceFrame;
import io.fleetml.model.Algorithm;
import io.fleetml.model.Algorithms;
import io.fleetml.model.DeviceModel;
import io.fleetml.resolve.ModelRef;
import io.fleetml.resolve.ModelResolver;
import io.fleetml.store.ArtifactStore;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Predicts a device's records with the model that answers for it, the same on every engine. A model that
 * cannot be read (its pack deleted or corrupt) costs that device its predictions, not the run. Thread-safe.
 */
public final class DeviceScoring {
    private final ModelResolver models;
    private final ArtifactStore artifacts;
    private final Map<String, Algorithm> algorithms = new ConcurrentHashMap<>();

    /**
     * Predictions for one device's frame.
     *
     * @param predictions one per row, or null when the device got none
     * @param model       the name of the model that answered, or null
     * @param unreadable  why the device's model could not be read, or null
     */
    public record Scored(DeviceFrame frame, double[] predictions, String model, String unreadable) {
    }

    public DeviceScoring(ModelResolver models, ArtifactStore artifacts) {
        this.models = models;
        this.artifacts = artifacts;
    }

    /** Loads the device's model (once: frames arrive one per device) and predicts every row. */
    public Scored score(DeviceFrame frame) {
        ModelRef ref = models.resolve(frame.deviceId());
        if (ref == null) {
            return new Scored(frame, null, null, null);
        }
        DeviceModel model;
        try {
            model = algorithms.computeIfAbsent(ref.algorithm(), Algorithms::named).load(artifacts.read(ref.uri()));
        } catch (Exception | LinkageError e) {
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            return new Scored(frame, null, null, m);
        }
        try (model) {
            return new Scored(frame, model.predict(frame.infinityAsMissing()), ref.name(), null);
        }
    }
}
