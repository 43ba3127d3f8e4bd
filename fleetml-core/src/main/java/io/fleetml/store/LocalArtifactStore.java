package io.fleetml.store;

import io.fleetml.model.ModelArtifact;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
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
    private static final String META = "meta.json";
    private static final int STORE_BELOW = 4096;
    private final Path root;
    private final Map<String, Pack> open = new ConcurrentHashMap<>();

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
            LocalDateTime now = LocalDateTime.now();
            for (DeviceArtifact a : artifacts) {
                ModelUri uri = new ModelUri(packUri, a.deviceId());
                String prefix = uri.entryPrefix();
                put(zip, prefix + a.model().fileName(), a.model().bytes(), now);
                put(zip, prefix + META, a.meta(), now);
                uris.add(uri.toString());
            }
        }
        Pack stale = open.remove(packUri.toString());
        if (stale != null) {
            stale.zip().close();
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return uris;
    }

    /**
     * Small entries are stored as they are: deflating a 200-byte model costs more than it saves. The time
     * is given as local time, once per pack: left unset, each entry converted the clock through the time
     * zone rules, a tenth of a CPU-second per 100,000 models.
     */
    private static void put(ZipOutputStream zip, String name, byte[] bytes, LocalDateTime time) throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setTimeLocal(time);
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
    public ModelArtifact read(String modelUri) throws IOException {
        Pack pack = pack(modelUri);
        String prefix = ModelUri.entryPrefixOf(modelUri);
        ZipEntry model = pack.models().get(prefix);
        if (model == null) { // written by hand, perhaps, with the device id encoded another way
            prefix = ModelUri.parse(modelUri).entryPrefix();
            model = pack.models().get(prefix);
        }
        if (model == null) {
            throw new NoSuchFileException(modelUri + " (no model for device " + ModelUri.parse(modelUri).deviceId() + " in " + pack.path() + ")");
        }
        return new ModelArtifact(model.getName().substring(prefix.length()), bytes(pack.zip(), model));
    }

    @Override
    public byte[] meta(String modelUri) throws IOException {
        Pack pack = pack(modelUri);
        ZipEntry meta = pack.zip().getEntry(ModelUri.parse(modelUri).entryPrefix() + META);
        if (meta == null) {
            throw new NoSuchFileException(modelUri + META + " (not in " + pack.path() + ")");
        }
        return bytes(pack.zip(), meta);
    }

    /** The open pack that holds {@code modelUri}; opened, and its models indexed, on first use. */
    private Pack pack(String modelUri) throws NoSuchFileException {
        String packUri = ModelUri.packOf(modelUri);
        try {
            return open.computeIfAbsent(packUri, Pack::open);
        } catch (java.io.UncheckedIOException e) {
            ModelUri uri = ModelUri.parse(modelUri);
            throw new NoSuchFileException(Path.of(uri.pack()) + " (model pack of device " + uri.deviceId() + "): " + e.getCause().getMessage());
        }
    }

    /**
     * An open pack with its device directories indexed to their model entries, so a model is read
     * without first reading {@code meta.json} to learn its file name (which cost more than the model).
     */
    private record Pack(Path path, ZipFile zip, Map<String, ZipEntry> models) {
        static Pack open(String packUri) {
            Path path = Path.of(java.net.URI.create(packUri));
            try {
                ZipFile zip = new ZipFile(path.toFile());
                Map<String, ZipEntry> models = new HashMap<>();
                for (var entries = zip.entries(); entries.hasMoreElements(); ) {
                    ZipEntry e = entries.nextElement();
                    int slash = e.getName().lastIndexOf('/');
                    if (slash > 0 && !e.getName().endsWith("/" + META)) {
                        models.put(e.getName().substring(0, slash + 1), e);
                    }
                }
                return new Pack(path, zip, models);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private static byte[] bytes(ZipFile zip, ZipEntry e) throws IOException {
        try (var in = zip.getInputStream(e)) {
            return in.readAllBytes();
        }
    }

    @Override
    public void close() {
        for (Pack p : open.values()) {
            try {
                p.zip().close();
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
