package io.fleetml.resolve;

/**
 * The model that answers for a device: where its bytes are, how to read them, what kind it is and which
 * session trained it.
 *
 * @param uri       the model URI (see {@link io.fleetml.store.ModelUri})
 * @param algorithm the algorithm that reads it
 * @param kind      device, fleet or ensemble
 * @param session   the session that trained it (for a retraining's inherited device, the one it came from)
 */
public record ModelRef(String uri, String algorithm, ModelKind kind, String session) implements java.io.Serializable {

    /** How predictions name the model that answered, e.g. {@code device/20261124-101500-ab12}. */
    public String name() {
        return kind.label() + "/" + session;
    }
}
