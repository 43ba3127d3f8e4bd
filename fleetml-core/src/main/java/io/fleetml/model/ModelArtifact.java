package io.fleetml.model;

/**
 * A model's bytes in its algorithm's portable format.
 *
 * @param fileName the name it is stored under, e.g. {@code model.ubj} (XGBoost) or {@code model.json}
 * @param bytes    the serialised model
 */
public record ModelArtifact(String fileName, byte[] bytes) implements java.io.Serializable {
}
