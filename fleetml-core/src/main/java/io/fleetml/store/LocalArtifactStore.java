package io.fleetml.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleetml.model.ModelArtifact;

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
import java.util.zip.CRC32;
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
    private static final int STORE_BELOW = 4096;
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
        java.net.URI packUri = target.toUri();
        try (OutputStream file = Files.newOutputStream(tmp);
             ZipOutputStream zip = new ZipOutputStream(new UnsynchronizedBuffer(file))) {
            zip.setLevel(Deflater.BEST_SPEED);
            for (DeviceArtifact a : artifacts) {
                ModelUri uri = new ModelUri(packUri, a.deviceId());
                String prefix = uri.entryPrefix();
                put(zip, prefix + a.model().fileName(), a.model().bytes());
                put(zip, prefix + "meta.json", a.meta());
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

    /** Small entries are stored as they are: deflating a 200-byte model costs more than it saves. */
    private static void put(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        ZipEntry entry = new ZipEntry(name);
        if (bytes.length < STORE_BELOW) {
            CRC32 crc = new CRC32();
            crc.update(bytes);
            entry.setMethod(ZipEntry.STORED);
            entry.setSize(bytes.length);
            entry.setCompressedSize(bytes.length);
            entry.setCrc(crc.getValue());
        }
        zip.putNextEntry(entry);
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

    /**
     * A write buffer without the per-call lock of {@link java.io.BufferedOutputStream}: zip headers are
     * written a byte at a time, and with 100,000 small models those locks were the pack's main cost.
     */
    private static final class UnsynchronizedBuffer extends OutputStream {
        private final OutputStream out;
        private final byte[] buf = new byte[1 << 16];
        private int n;

        UnsynchronizedBuffer(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            if (n == buf.length) {
                flushBuffer();
            }
            buf[n++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len >= buf.length) {
                flushBuffer();
                out.write(b, off, len);
                return;
            }
            if (len > buf.length - n) {
                flushBuffer();
            }
            System.arraycopy(b, off, buf, n, len);
            n += len;
        }

        private void flushBuffer() throws IOException {
            out.write(buf, 0, n);
            n = 0;
        }

        @Override
        public void flush() throws IOException {
            flushBuffer();
            out.flush();
        }

        @Override
        public void close() throws IOException {
            try (out) {
                flushBuffer();
            }
        }
    }
}
