package io.fleetml.model;

/** Reads a user's model back from its stored bytes. Serializable, so that it can travel to Spark executors. */
@FunctionalInterface
public interface ModelReader extends java.io.Serializable {
    DeviceModel read(ModelArtifact artifact);
}
