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
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
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
    private transient Configuration conf; // parsing Hadoop's configuration costs milliseconds: once per executor, not per device

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
            URI dir = URI.create(root + session + "/" + URLEncoder.encode(a.deviceId(), StandardCharsets.UTF_8) + "/");
            if (isLocal(dir)) {
                java.nio.file.Path local = java.nio.file.Path.of(dir);
                Files.createDirectories(local);
                put(local.resolve(a.model().fileName()), a.model().bytes());
                put(local.resolve("meta.json"), a.meta());
            } else {
                Path hadoopDir = new Path(dir);
                FileSystem fs = hadoopDir.getFileSystem(conf());
                fs.mkdirs(hadoopDir);
                put(fs, new Path(hadoopDir, a.model().fileName()), a.model().bytes());
                put(fs, new Path(hadoopDir, "meta.json"), a.meta());
            }
            uris.add(dir.toString());
        }
        return uris;
    }

    /**
     * {@code file:} goes through java.nio: without Hadoop's native library its local file system sets
     * permissions by running {@code chmod}, about 20 ms per model (measured), where java.nio takes well under one.
     */
    private static boolean isLocal(URI uri) {
        return "file".equals(uri.getScheme());
    }

    private static void put(java.nio.file.Path target, byte[] bytes) throws IOException {
        java.nio.file.Path tmp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private Configuration conf() {
        if (conf == null) {
            conf = new Configuration();
        }
        return conf;
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
    public ModelArtifact read(String modelUri) throws IOException {
        String file = JSON.readTree(meta(modelUri)).path("model_file").asText(null);
        if (file == null) {
            throw new IOException(modelUri + "meta.json names no model_file");
        }
        return new ModelArtifact(file, readAll(directory(modelUri).resolve(file)));
    }

    @Override
    public byte[] meta(String modelUri) throws IOException {
        return readAll(directory(modelUri).resolve("meta.json"));
    }

    private static URI directory(String modelUri) {
        return URI.create(modelUri.endsWith("/") ? modelUri : modelUri + "/");
    }

    private byte[] readAll(URI file) throws IOException {
        if (isLocal(file)) {
            return Files.readAllBytes(java.nio.file.Path.of(file));
        }
        Path p = new Path(file);
        try (var in = p.getFileSystem(conf()).open(p)) {
            return in.readAllBytes();
        }
    }

    @Override
    public void close() {
        // file systems are cached and closed by Hadoop
    }
}
