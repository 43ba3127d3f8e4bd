package io.fleetml.store;

import io.fleetml.model.ModelArtifact;

import java.util.List;

/**
 * Where model bytes live. Models are written in packs: one archive per batch of devices trained
 * together, so 100,000 small models cost a few hundred files, not 100,000. A pack's path is
 * deterministic per session and batch, and it appears whole or not at all, so a retried batch simply
 * replaces it.
 */
public interface ArtifactStore extends AutoCloseable {

    /** One device's files: its model and its metadata (JSON). */
    record DeviceArtifact(String deviceId, ModelArtifact model, byte[] meta) {
    }

    /** Writes pack {@code pack} of {@code session}; returns the model URI of each artifact, in order. */
    List<String> writePack(String session, int pack, List<DeviceArtifact> artifacts) throws java.io.IOException;

    /** Reads the model at {@code modelUri}. */
    ModelArtifact read(String modelUri) throws java.io.IOException;

    /** Reads the metadata (JSON) stored beside the model at {@code modelUri}. */
    byte[] meta(String modelUri) throws java.io.IOException;

    /** Where this store keeps its packs, as a URI. */
    String root();

    @Override
    void close();
}
