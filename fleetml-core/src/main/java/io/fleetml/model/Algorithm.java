package io.fleetml.model;

import java.util.Map;

/** A named way to fit device models, with scikit-learn-style parameter names. */
public interface Algorithm {

    String name();

    /** Every parameter this algorithm takes, with its default. */
    Map<String, String> defaults();

    /**
     * True when the algorithm takes rows with missing features as they are (as {@code NaN});
     * false when such rows must be dropped before fitting.
     */
    boolean handlesMissingFeatures();

    /** A trainer for {@code params} (already merged with the defaults and checked), using {@code threads} threads. */
    DeviceTrainer trainer(Map<String, String> params, int threads);

    /** Reads a model this algorithm wrote. */
    DeviceModel load(ModelArtifact artifact);

    /** The library and version that fit the model, recorded with every artifact. */
    String library();

    /**
     * A user's own algorithm: {@code trainer} fits a device (seeing missing features as {@code NaN}),
     * {@code reader} reads its artifacts back for scoring. It takes one parameter, {@code seed}, which
     * seeds the holdout split.
     */
    static Algorithm custom(String name, DeviceTrainer trainer, ModelReader reader) {
        return new CustomAlgorithm(name, trainer, reader);
    }

    /** What {@link #custom} makes; serializable when its trainer and reader are. */
    record CustomAlgorithm(String name, DeviceTrainer trainer, ModelReader reader) implements Algorithm, java.io.Serializable {
        @Override
        public Map<String, String> defaults() {
            return Map.of("seed", "42");
        }

        @Override
        public boolean handlesMissingFeatures() {
            return true;
        }

        @Override
        public DeviceTrainer trainer(Map<String, String> params, int threads) {
            return trainer;
        }

        @Override
        public DeviceModel load(ModelArtifact artifact) {
            return reader.read(artifact);
        }

        @Override
        public String library() {
            return "user code";
        }
    }
}
