package io.fleetml.resolve;

import java.util.List;

/**
 * The model that answers for a device: where its bytes are, how to read them, what kind it is and which
 * session trained it. A hierarchical or stack model is a combination of other models:
 * {@code weights[0] + Σ weights[i + 1] · inputs[i]}, each input read by its own algorithm, so a stack whose
 * device models are linear and whose fleet model is boosted trees works.
 *
 * @param uri       the model URI (see {@link io.fleetml.store.ModelUri}); null for a combination
 * @param algorithm the algorithm that reads it; null for a combination
 * @param kind      device, fleet, hierarchical or stack
 * @param session   the session that trained it (for a retraining's inherited device, the one it came from)
 * @param inputs    the models a combination combines; empty for a stored model
 * @param weights   the intercept and one weight per input; null for a stored model
 */
public record ModelRef(String uri, String algorithm, ModelKind kind, String session, List<ModelRef> inputs, double[] weights)
        implements java.io.Serializable {

    /** A stored model. */
    public ModelRef(String uri, String algorithm, ModelKind kind, String session) {
        this(uri, algorithm, kind, session, List.of(), null);
    }

    /** A combination of stored models: {@code weights[0] + Σ weights[i + 1] · inputs[i]}. */
    public static ModelRef combination(ModelKind kind, String session, List<ModelRef> inputs, double[] weights) {
        if (weights.length != inputs.size() + 1) {
            throw new IllegalArgumentException(inputs.size() + " inputs need " + (inputs.size() + 1) + " weights, not " + weights.length);
        }
        return new ModelRef(null, null, kind, session, List.copyOf(inputs), weights.clone());
    }

    public boolean combined() {
        return uri == null;
    }

    /** The same model, named as belonging to {@code owner} (a registered version, e.g. {@code pumps/3}). */
    public ModelRef ownedBy(String owner) {
        return new ModelRef(uri, algorithm, kind, owner, inputs, weights);
    }

    /** How predictions name the model that answered, e.g. {@code device/20261124-101500-ab12}. */
    public String name() {
        return kind.label() + "/" + session;
    }
}
