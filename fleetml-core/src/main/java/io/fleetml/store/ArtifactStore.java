package io.fleetml.store;

import io.fleetml.model.ModelArtifact;

import java.io.IOException;
import java.util.List;

/**
 * Where model bytes live. Models are written in packs: one zip archive per batch of devices trained together,
 * so 100,000 small models cost a few hundred files, not 100,000. A pack's path is deterministic per session
 * and pack name, and it appears whole or not at all, so a retried batch simply replaces it. Every engine
 * writes and reads the same {@linkplain ModelUri model URIs}, so a session trained by one engine is scored by
 * the other.
 */
public interface ArtifactStore extends AutoCloseable {

    /** One device's files: its model and its metadata (JSON). */
    record DeviceArtifact(String deviceId, ModelArtifact model, byte[] meta) {
    }

    /**
     * Writes pack {@code pack} (a file name without extension, e.g. {@code part-00003}) of {@code session};
     * returns the model URI of each artifact, in order.
     */
    List<String> writePack(String session, String pack, List<DeviceArtifact> artifacts) throws IOException;

    /** Reads the model at {@code modelUri}. */
    ModelArtifact read(String modelUri) throws IOException;

    /** Reads the metadata (JSON) stored beside the model at {@code modelUri}. */
    byte[] meta(String modelUri) throws IOException;

    /**
     * Deletes packs (as {@link ModelUri#packOf} gives them) and then session folders left empty.
     *
     * @return the packs that could not be deleted, with the reason, for the user to remove by hand
     */
    List<String> deletePacks(List<String> packUris);

    /** Removes the temporary files an interrupted writer left in a session's folder (a URI); returns how many. */
    int deleteTemporaryFiles(String sessionFolder);

    /** Where this store keeps its packs, as a URI ending in {@code /}. */
    String root();

    @Override
    void close();
}
