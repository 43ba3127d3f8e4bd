package io.fleetml.store;

import io.fleetml.model.ModelArtifact;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Packs in a local directory: {@code <root>/<session>/part-NNNNN.zip}. Written to a hidden temporary
 * file and renamed into place. The packs read last are kept in memory, since scoring reads many devices'
 * models from each.
 */
public final class LocalArtifactStore implements ArtifactStore {
    private static final String META = "meta.json";
    private static final int STORE_BELOW = 4096;
    private final Path root;
    private static final long MAX_KEPT_BYTES = 64L << 20;
    private final long maxKeptBytes;
    private final LinkedHashMap<String, Pack> kept = new LinkedHashMap<>(16, 0.75f, true); // least recently used first
    private long keptBytes;

    public LocalArtifactStore(Path root) {
        this(root, MAX_KEPT_BYTES);
    }

    /** @param maxKeptBytes how much of the packs read last to keep in memory (the last one is always kept) */
    LocalArtifactStore(Path root, long maxKeptBytes) {
        this.root = root.toAbsolutePath();
        this.maxKeptBytes = maxKeptBytes;
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
        forget(packUri.toString());
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
        ModelArtifact model = pack.models().get(prefix);
        if (model == null) { // written by hand, perhaps, with the device id encoded another way
            model = pack.models().get(ModelUri.parse(modelUri).entryPrefix());
        }
        if (model == null) {
            throw new NoSuchFileException(modelUri + " (no model for device " + ModelUri.parse(modelUri).deviceId() + " in " + pack.path() + ")");
        }
        return model;
    }

    @Override
    public byte[] meta(String modelUri) throws IOException {
        Pack pack = pack(modelUri);
        byte[] meta = pack.metas().get(ModelUri.parse(modelUri).entryPrefix());
        if (meta == null) {
            throw new NoSuchFileException(modelUri + META + " (not in " + pack.path() + ")");
        }
        return meta.clone();
    }

    /**
     * The pack that holds {@code modelUri}, read whole on first use. Scoring asks for devices in the order
     * they were trained, so it reads each pack once, in one go; the packs read last are kept while they
     * hold at most 64 MB, and files are never left open.
     */
    private Pack pack(String modelUri) throws IOException {
        String packUri = ModelUri.packOf(modelUri);
        synchronized (kept) {
            Pack pack = kept.get(packUri);
            if (pack != null) {
                return pack;
            }
        }
        Pack read; // outside the lock, so that workers read different packs at once
        try {
            read = Pack.read(Path.of(java.net.URI.create(packUri)));
        } catch (IOException e) {
            ModelUri uri = ModelUri.parse(modelUri);
            String why = Path.of(uri.pack()) + " (model pack of device " + uri.deviceId() + "): " + e.getMessage();
            throw e instanceof NoSuchFileException ? new NoSuchFileException(why) : new IOException("cannot read " + why, e);
        }
        synchronized (kept) {
            Pack pack = kept.putIfAbsent(packUri, read);
            if (pack != null) {
                return pack; // another worker read it meanwhile
            }
            keptBytes += read.bytes();
            for (var eldest = kept.values().iterator(); keptBytes > maxKeptBytes && kept.size() > 1; ) {
                keptBytes -= eldest.next().bytes();
                eldest.remove();
            }
            return read;
        }
    }

    private void forget(String packUri) {
        synchronized (kept) {
            Pack stale = kept.remove(packUri);
            if (stale != null) {
                keptBytes -= stale.bytes();
            }
        }
    }

    /**
     * A pack's models by device directory, so a model is found without first reading {@code meta.json}
     * to learn its file name (which cost more than the model). Read in one pass over the file's bytes:
     * opening entries one by one through {@link java.util.zip.ZipFile} cost two reads from disk per model.
     */
    private record Pack(Path path, Map<String, ModelArtifact> models, Map<String, byte[]> metas, long bytes) {
        static Pack read(Path path) throws IOException {
            byte[] file = Files.readAllBytes(path);
            Map<String, ModelArtifact> models = new HashMap<>();
            Map<String, byte[]> metas = new HashMap<>();
            long bytes = 0; // of the entries kept; the file's bytes are dropped once read
            try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(file))) {
                for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                    int slash = e.getName().lastIndexOf('/');
                    if (e.isDirectory() || slash <= 0) {
                        continue;
                    }
                    String prefix = e.getName().substring(0, slash + 1);
                    String name = e.getName().substring(slash + 1);
                    // a stored entry's size is known: reading it into a buffer of that size, not readAllBytes's
                    // 8 kB ones, saved a gigabyte of allocation per 100,000 models
                    byte[] content = e.getSize() >= 0 ? zip.readNBytes((int) e.getSize()) : zip.readAllBytes();
                    bytes += content.length;
                    if (name.equals(META)) {
                        metas.put(prefix, content);
                    } else {
                        models.put(prefix, new ModelArtifact(name, content));
                    }
                }
            }
            return new Pack(path, models, metas, bytes);
        }
    }

    @Override
    public void close() {
        synchronized (kept) {
            kept.clear();
            keptBytes = 0;
        }
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
