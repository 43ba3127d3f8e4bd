package io.fleetml.score;

import io.fleetml.data.DeviceFrame;
import io.fleetml.resolve.ModelCache;
import io.fleetml.resolve.ModelRef;
import io.fleetml.resolve.ModelResolver;
import io.fleetml.store.ArtifactStore;

import java.io.IOException;
import java.util.Arrays;

/**
 * Predicts a device's records with the model that answers for it, the same on every engine: the resolver names the
 * model, the {@link ModelCache} loads it (a fleet model once for all devices), and a combination (hierarchical,
 * stack) predicts with each of its inputs. A model that cannot be read (its pack deleted or corrupt) costs that
 * device its predictions, not the run. Thread-safe.
 */
public final class DeviceScoring implements AutoCloseable {
    /** Batch scoring reads each device's model once: the cache need only hold the fleet models and those in use. */
    private static final long BATCH_CACHE_BYTES = 64L << 20;
    private final ModelResolver models;
    private final ModelCache cache;
    /** Whether this closes {@link #cache}: not when it is shared. */
    private final boolean ownsCache;

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
        this.cache = new ModelCache(artifacts, BATCH_CACHE_BYTES);
        this.ownsCache = true;
    }

    /**
     * Scoring through a cache shared with others (a server's, bounded for all the versions it serves); closing this
     * leaves the cache open.
     */
    public DeviceScoring(ModelResolver models, ModelCache shared) {
        this.models = models;
        this.cache = shared;
        this.ownsCache = false;
    }

    /** Resolves the device's model (once: frames arrive one per device) and predicts every row. */
    public Scored score(DeviceFrame frame) {
        ModelRef ref = models.resolve(frame.deviceId());
        if (ref == null) {
            return new Scored(frame, null, null, null);
        }
        try {
            return new Scored(frame, predict(ref, frame.infinityAsMissing()), ref.name(), null);
        } catch (IOException | RuntimeException | LinkageError e) {
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            return new Scored(frame, null, null, m);
        }
    }

    /** One prediction per row of {@code frame} by {@code ref}; NaN where a model cannot predict a row. */
    public double[] predict(ModelRef ref, DeviceFrame frame) throws IOException {
        if (!ref.combined()) {
            try (ModelCache.Lease lease = cache.acquire(ref)) {
                return lease.model().predict(frame);
            }
        }
        // a combination's first input is the fleet model; where another input cannot predict a row (a missing feature a
        // linear device model cannot take), the fleet model's prediction stands in for it, as it did when the stack was fit
        double[] w = ref.weights();
        double[] out = new double[frame.rows()];
        Arrays.fill(out, w[0]);
        double[] first = null;
        for (int i = 0; i < ref.inputs().size(); i++) {
            double[] p = predict(ref.inputs().get(i), frame);
            if (i == 0) {
                first = p;
            }
            for (int r = 0; r < out.length; r++) {
                out[r] += w[i + 1] * (Double.isNaN(p[r]) ? first[r] : p[r]);
            }
        }
        return out;
    }

    @Override
    public void close() {
        if (ownsCache) {
            cache.close();
        }
    }
}
