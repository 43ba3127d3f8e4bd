package io.fleetml.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleetml.model.ModelArtifact;
import io.fleetml.store.ArtifactStore;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Models on any Hadoop file system ({@code file:}, {@code hdfs:}, {@code s3a:}), one directory per device:
 * {@code <root>/<session>/<device, URL-encoded>/} holding the model file and {@code meta.json}; that
 * directory is the device's {@code model_uri}. Each file is written under a unique temporary name and
 * renamed into place, so a retried or speculative task replaces a model whole and never leaves a
 * half-written one (training is deterministic, so every attempt writes the same bytes).
 */
public final class HadoopArtifactStore implements ArtifactStore, Serializable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String root;

    /** @param root a directory URI, e.g. {@code hdfs://nn/fleetml/artifacts} or {@code file:/shared/artifacts} */
    public HadoopArtifactStore(String root) {
        this.root = root.endsWith("/") ? root : root + "/";
    }

    @Override
    public String root() {
        return root;
    }

    /** Writes each device's files to its own directory; {@code pack} plays no part in the layout. */
    @Override
    public List<String> writePack(String session, int pack, List<DeviceArtifact> artifacts) throws IOException {
        List<String> uris = new ArrayList<>(artifacts.size());
        for (DeviceArtifact a : artifacts) {
            Path dir = new Path(URI.create(root + session + "/" + URLEncoder.encode(a.deviceId(), StandardCharsets.UTF_8) + "/"));
            FileSystem fs = dir.getFileSystem(new Configuration());
            fs.mkdirs(dir);
            put(fs, new Path(dir, a.model().fileName()), a.model().bytes());
            put(fs, new Path(dir, "meta.json"), a.meta());
            uris.add(dir.toUri() + (dir.toUri().toString().endsWith("/") ? "" : "/"));
        }
        return uris;
    }

    private static void put(FileSystem fs, Path target, byte[] bytes) throws IOException {
        Path tmp = new Path(target.getParent(), "." + target.getName() + "." + UUID.randomUUID() + ".tmp");
        try (FSDataOutputStream out = fs.create(tmp, true)) {
            out.write(bytes);
        }
        fs.delete(target, false);
        if (!fs.rename(tmp, target)) {
            fs.delete(tmp, false);
            if (!fs.exists(target)) {
                throw new IOException("cannot move " + tmp + " to " + target);
            }
        }
    }

    @Override
    public StoredModel read(String modelUri) throws IOException {
        Path dir = new Path(URI.create(modelUri));
        FileSystem fs = dir.getFileSystem(new Configuration());
        byte[] meta = readAll(fs, new Path(dir, "meta.json"));
        String file = JSON.readTree(meta).path("model_file").asText(null);
        if (file == null) {
            throw new IOException(modelUri + "meta.json names no model_file");
        }
        return new StoredModel(new ModelArtifact(file, readAll(fs, new Path(dir, file))), meta);
    }

    private static byte[] readAll(FileSystem fs, Path p) throws IOException {
        try (var in = fs.open(p)) {
            return in.readAllBytes();
        }
    }

    @Override
    public void close() {
        // file systems are cached and closed by Hadoop
    }
}
