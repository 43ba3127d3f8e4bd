package io.fleetml.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleetml.model.ModelArtifact;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Packs in a local directory: {@code <root>/<session>/part-NNNNN.zip}. Written to a hidden temporary
 * file and renamed into place. Open packs are cached for reading, since scoring reads many devices'
 * models from each.
 */
public final class LocalArtifactStore implements ArtifactStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path root;
    private final Map<Path, ZipFile> open = new ConcurrentHashMap<>();

    public LocalArtifactStore(Path root) {
        this.root = root.toAbsolutePath();
    }

    @Override
    public String root() {
        String uri = root.toUri().toString();
        return uri.endsWith("/") ? uri : uri + "/";
    }

    @Override
    public List<String> writePack(String session, int pack, List<DeviceArtifact> artifacts) throws IOException {
        Path dir = root.resolve(session);
        Files.createDirectories(dir);
        Path target = dir.resolve(String.format("part-%05d.zip", pack));
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp");
        List<String> uris = new ArrayList<>(artifacts.size());
        try (OutputStream file = Files.newOutputStream(tmp);
             ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(file, 1 << 16))) {
            zip.setLevel(Deflater.BEST_SPEED);
            for (DeviceArtifact a : artifacts) {
                ModelUri uri = ModelUri.of(target, a.deviceId());
                put(zip, uri.entryPrefix() + a.model().fileName(), a.model().bytes());
                put(zip, uri.entryPrefix() + "meta.json", a.meta());
                uris.add(uri.toString());
            }
        }
        ZipFile stale = open.remove(target);
        if (stale != null) {
            stale.close();
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return uris;
    }

    private static void put(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(bytes);
        zip.closeEntry();
    }

    @Override
    public StoredModel read(String modelUri) throws IOException {
        ModelUri uri = ModelUri.parse(modelUri);
        Path pack = Path.of(uri.pack());
        ZipFile zip;
        try {
            zip = open.computeIfAbsent(pack, p -> {
                try {
                    return new ZipFile(p.toFile());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        } catch (java.io.UncheckedIOException e) {
            throw new NoSuchFileException(pack + " (model pack of device " + uri.deviceId() + "): " + e.getCause().getMessage());
        }
        String prefix = uri.entryPrefix();
        byte[] meta = entry(zip, prefix + "meta.json");
        String modelFile = meta == null ? null : JSON.readTree(meta).path("model_file").asText(null);
        byte[] model = modelFile == null ? null : entry(zip, prefix + modelFile);
        if (model == null) {
            throw new NoSuchFileException(modelUri + " (no model for device " + uri.deviceId() + " in " + pack + ")");
        }
        return new StoredModel(new ModelArtifact(modelFile, model), meta);
    }

    private static byte[] entry(ZipFile zip, String name) throws IOException {
        ZipEntry e = zip.getEntry(name);
        if (e == null) {
            return null;
        }
        try (var in = zip.getInputStream(e)) {
            return in.readAllBytes();
        }
    }

    @Override
    public void close() {
        for (ZipFile z : open.values()) {
            try {
                z.close();
            } catch (IOException ignored) {
                // read-only handle
            }
        }
        open.clear();
    }
}
