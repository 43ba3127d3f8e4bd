package io.fleetml.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.fleetml.model.ModelArtifact;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.NoSuchFileException;
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
 * Model packs under a root URI: {@code <root>/<session>/<pack>.zip}, each written to a hidden temporary file
 * and renamed into place. The same store, over another {@link ArtifactFiles}, serves every engine: the local
 * engine writes {@code file:} packs, Spark executors write to any Hadoop file system. It reads any model URI
 * whose file system it has, whichever engine wrote it, including the per-device directories older Spark
 * sessions have. The packs read last are kept in memory, since scoring reads many devices' models from each;
 * a pack that could not be read is not read again for each of its devices.
 */
public final class PackArtifactStore implements ArtifactStore {
    private static final String META = "meta.json";
    private static final JsonFactory JSON = new JsonFactory(); // not an ObjectMapper: it cost every command a fifth of a second to start
    private static final int STORE_BELOW = 4096;
    private static final long MAX_KEPT_BYTES = 64L << 20;
    private final String root;
    private final ArtifactFiles files;
    private final long maxKeptBytes;
    private final LinkedHashMap<String, Pack> kept = new LinkedHashMap<>(16, 0.75f, true); // least recently used first
    private final Map<String, IOException> unreadable = new HashMap<>();
    private static final int OPEN_PACKS = 64;
    private static final long READ_ALONE_ABOVE = 16L << 20;
    private final long readAloneAbove;
    private final LinkedHashMap<String, OpenPack> opened = new LinkedHashMap<>(16, 0.75f, true); // guarded by kept
    private long keptBytes;

    /** Packs in a local directory. */
    public static PackArtifactStore local(java.nio.file.Path root) {
        return new PackArtifactStore(root.toAbsolutePath().toUri().toString(), LocalFiles.INSTANCE);
    }

    /**
     * @param root  where packs go, a folder URI
     * @param files the file system of {@code root}; {@code file:} URIs are always read with java.nio
     */
    public PackArtifactStore(String root, ArtifactFiles files) {
        this(root, files, MAX_KEPT_BYTES);
    }

    /** @param maxKeptBytes how much of the packs read last to keep in memory (the last one is always kept) */
    PackArtifactStore(String root, ArtifactFiles files, long maxKeptBytes) {
        this(root, files, maxKeptBytes, READ_ALONE_ABOVE);
    }

    /** @param readAloneAbove a local pack larger than this is read one model at a time, never whole */
    PackArtifactStore(String root, ArtifactFiles files, long maxKeptBytes, long readAloneAbove) {
        this.readAloneAbove = readAloneAbove;
        this.root = root.endsWith("/") ? root : root + "/";
        this.files = files;
        this.maxKeptBytes = maxKeptBytes;
    }

    @Override
    public String root() {
        return root;
    }

    private ArtifactFiles filesFor(URI uri) throws IOException {
        if (LocalFiles.INSTANCE.serves(uri)) {
            return LocalFiles.INSTANCE;
        }
        if (files.serves(uri)) {
            return files;
        }
        throw new IOException("no file system for " + uri.getScheme() + ": here (" + uri + "); read it where that file system is "
                + "configured, e.g. with fleetml spark score");
    }

    @Override
    public List<String> writePack(String session, String pack, List<DeviceArtifact> artifacts) throws IOException {
        URI target = URI.create(root + session + "/" + pack + ".zip");
        List<String> uris = new ArrayList<>(artifacts.size());
        List<String> prefixes = new ArrayList<>(artifacts.size());
        for (DeviceArtifact a : artifacts) {
            ModelUri uri = new ModelUri(target, a.deviceId());
            prefixes.add(uri.entryPrefix());
            uris.add(uri.toString());
        }
        filesFor(target).write(target, out -> {
            try (ZipOutputStream zip = new ZipOutputStream(new UnsynchronizedBuffer(out))) {
                zip.setLevel(Deflater.BEST_SPEED);
                LocalDateTime now = LocalDateTime.now();
                for (int i = 0; i < artifacts.size(); i++) {
                    DeviceArtifact a = artifacts.get(i);
                    put(zip, prefixes.get(i) + a.model().fileName(), a.model().bytes(), now);
                    put(zip, prefixes.get(i) + META, a.meta(), now);
                }
            }
        });
        forget(target.toString());
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
        if (!ModelUri.inPack(modelUri)) {
            return readFromFolder(modelUri);
        }
        ModelArtifact alone = readAlone(modelUri);
        if (alone != null) {
            return alone;
        }
        Pack pack = pack(modelUri);
        String prefix = ModelUri.entryPrefixOf(modelUri);
        ModelArtifact model = pack.models().get(prefix);
        if (model == null) { // written by hand, perhaps, with the device id encoded another way
            model = pack.models().get(ModelUri.parse(modelUri).entryPrefix());
        }
        if (model == null) {
            throw new NoSuchFileException(modelUri + " (no model for device " + ModelUri.parse(modelUri).deviceId() + " in " + pack.uri() + ")");
        }
        return model;
    }

    @Override
    public byte[] meta(String modelUri) throws IOException {
        if (!ModelUri.inPack(modelUri)) {
            return readFolderFile(modelUri, META);
        }
        Pack pack = pack(modelUri);
        byte[] meta = pack.metas().get(ModelUri.entryPrefixOf(modelUri));
        if (meta == null) {
            meta = pack.metas().get(ModelUri.parse(modelUri).entryPrefix());
        }
        if (meta == null) {
            throw new NoSuchFileException(modelUri + META + " (not in " + pack.uri() + ")");
        }
        return meta.clone();
    }

    /**
     * One model read alone from a local pack larger than 16 MB (a forest fleet's packs hold 50 MB and more): a
     * server asked for random devices would otherwise read a whole pack per model. The pack stays open, its entries
     * indexed by device directory, among the {@value #OPEN_PACKS} used last. Null when the pack is read whole instead.
     */
    private ModelArtifact readAlone(String modelUri) throws IOException {
        String packUri = ModelUri.packOf(modelUri);
        if (!packUri.startsWith("file:")) {
            return null;
        }
        OpenPack open;
        synchronized (kept) {
            if (kept.containsKey(packUri)) {
                return null;
            }
            open = opened.get(packUri);
        }
        if (open == null) {
            java.nio.file.Path file = java.nio.file.Path.of(URI.create(packUri));
            if (!java.nio.file.Files.isRegularFile(file) || java.nio.file.Files.size(file) <= readAloneAbove) {
                return null;
            }
            open = OpenPack.open(file);
            synchronized (kept) {
                OpenPack other = opened.putIfAbsent(packUri, open);
                if (other != null) {
                    open.close();
                    open = other;
                }
                for (var eldest = opened.values().iterator(); opened.size() > OPEN_PACKS; ) {
                    eldest.next().close(); // a read of it under way fails and is retried below
                    eldest.remove();
                }
            }
        }
        try {
            ModelArtifact model = open.read(ModelUri.entryPrefixOf(modelUri));
            if (model == null) {
                model = open.read(ModelUri.parse(modelUri).entryPrefix());
            }
            if (model == null) {
                throw new NoSuchFileException(modelUri + " (no model for device " + ModelUri.parse(modelUri).deviceId() + " in " + packUri + ")");
            }
            return model;
        } catch (IllegalStateException closed) { // evicted meanwhile
            synchronized (kept) {
                opened.remove(packUri, open);
            }
            return readAlone(modelUri);
        }
    }

    /** An open zip file with its model entries by device directory (read from its central directory). */
    private record OpenPack(java.util.zip.ZipFile zip, Map<String, String> entries) {
        static OpenPack open(java.nio.file.Path file) throws IOException {
            java.util.zip.ZipFile zip = new java.util.zip.ZipFile(file.toFile());
            Map<String, String> entries = new HashMap<>();
            for (var it = zip.entries().asIterator(); it.hasNext(); ) {
                String name = it.next().getName();
                int slash = name.lastIndexOf('/');
                if (slash > 0 && slash < name.length() - 1 && !name.endsWith("/" + META)) {
                    entries.put(name.substring(0, slash + 1), name);
                }
            }
            return new OpenPack(zip, entries);
        }

        ModelArtifact read(String prefix) throws IOException {
            String name = entries.get(prefix);
            if (name == null) {
                return null;
            }
            try (var in = zip.getInputStream(zip.getEntry(name))) {
                return new ModelArtifact(name.substring(name.lastIndexOf('/') + 1), in.readAllBytes());
            }
        }

        void close() {
            try {
                zip.close();
            } catch (IOException ignored) {
                // read-only: nothing to lose
            }
        }
    }

    /** A device folder of an older Spark session: {@code meta.json} names the model file beside it. */
    private ModelArtifact readFromFolder(String folderUri) throws IOException {
        String file = modelFile(readFolderFile(folderUri, META));
        if (file == null) {
            throw new IOException(folderUri + META + " names no model_file");
        }
        return new ModelArtifact(file, readFolderFile(folderUri, file));
    }

    /** The {@code model_file} field of a device's {@code meta.json}, or null. */
    private static String modelFile(byte[] meta) throws IOException {
        try (JsonParser p = JSON.createParser(meta)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("model_file")) {
                    return p.getValueAsString();
                }
                p.skipChildren();
            }
            return null;
        }
    }

    private byte[] readFolderFile(String folderUri, String name) throws IOException {
        URI file = URI.create((folderUri.endsWith("/") ? folderUri : folderUri + "/") + name);
        return filesFor(file).read(file);
    }

    /**
     * The pack that holds {@code modelUri}, read whole on first use. Scoring asks for devices in the order
     * they were trained, so it reads each pack once, in one go; the packs read last are kept while they
     * hold at most 64 MB, and these files are not left open (large ones are read a model at a time: see readAlone).
     */
    private Pack pack(String modelUri) throws IOException {
        String packUri = ModelUri.packOf(modelUri);
        synchronized (kept) {
            Pack pack = kept.get(packUri);
            if (pack != null) {
                return pack;
            }
            IOException failed = unreadable.get(packUri);
            if (failed != null) {
                throw failed;
            }
        }
        Pack read; // outside the lock, so that workers read different packs at once
        try {
            URI uri = URI.create(packUri);
            read = Pack.read(uri, filesFor(uri).read(uri));
        } catch (IOException | IllegalArgumentException e) {
            String why = packUri + " (model pack of device " + ModelUri.parse(modelUri).deviceId() + "): " + e.getMessage();
            IOException failure = e instanceof NoSuchFileException ? new NoSuchFileException(why) : new IOException("cannot read " + why, e);
            synchronized (kept) {
                unreadable.put(packUri, failure);
            }
            throw failure;
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
            unreadable.remove(packUri);
            OpenPack open = opened.remove(packUri);
            if (open != null) {
                open.close();
            }
            Pack stale = kept.remove(packUri);
            if (stale != null) {
                keptBytes -= stale.bytes();
            }
        }
    }

    @Override
    public List<String> deletePacks(List<String> packUris) {
        List<String> left = new ArrayList<>();
        java.util.Set<String> folders = new java.util.LinkedHashSet<>();
        for (String pack : packUris) {
            try {
                URI uri = URI.create(pack);
                filesFor(uri).delete(uri);
                forget(pack);
                String path = pack.endsWith("/") ? pack.substring(0, pack.length() - 1) : pack;
                folders.add(path.substring(0, path.lastIndexOf('/') + 1));
            } catch (IOException | RuntimeException e) {
                left.add(pack + " (" + e.getMessage() + ")");
            }
        }
        for (String folder : folders) {
            try {
                URI uri = URI.create(folder);
                filesFor(uri).deleteIfEmpty(uri);
            } catch (IOException | RuntimeException ignored) {
                // an empty folder is harmless
            }
        }
        return left;
    }

    @Override
    public int deleteTemporaryFiles(String sessionFolder) {
        try {
            URI folder = URI.create(sessionFolder);
            return filesFor(folder).deleteTemporary(folder);
        } catch (IOException | RuntimeException e) {
            return 0; // nothing there, or not reachable from here: the files are hidden and harmless
        }
    }

    /**
     * A pack's models by device directory, so a model is found without first reading {@code meta.json}
     * to learn its file name (which cost more than the model). Read in one pass over the file's bytes:
     * opening entries one by one through {@link java.util.zip.ZipFile} cost two reads from disk per model.
     */
    private record Pack(URI uri, Map<String, ModelArtifact> models, Map<String, byte[]> metas, long bytes) {
        static Pack read(URI uri, byte[] file) throws IOException {
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
            if (models.isEmpty() && metas.isEmpty()) {
                throw new java.util.zip.ZipException("no models in it: not a zip archive of models, or cut short");
            }
            return new Pack(uri, models, metas, bytes);
        }
    }

    @Override
    public void close() {
        synchronized (kept) {
            opened.values().forEach(OpenPack::close);
            opened.clear();
            kept.clear();
            unreadable.clear();
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
