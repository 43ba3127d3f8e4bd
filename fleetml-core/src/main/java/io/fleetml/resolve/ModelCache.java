package io.fleetml.resolve;

import io.fleetml.model.Algorithm;
import io.fleetml.model.Algorithms;
import io.fleetml.model.DeviceModel;
import io.fleetml.model.ModelArtifact;
import io.fleetml.store.ArtifactStore;

import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Loaded models, least recently used first out, bounded by the bytes of their stored form (a loaded XGBoost model
 * takes about as much; a linear one less). An evicted model is closed once no caller holds it: callers
 * {@linkplain #acquire acquire} a {@link Lease} and close it when done, so a model is never freed while it predicts.
 * Fleet models stay loaded: every unknown device needs them. Thread-safe.
 */
public final class ModelCache implements AutoCloseable {
    private final ArtifactStore artifacts;
    private final long maxBytes;
    private final Map<String, Algorithm> algorithms = new java.util.concurrent.ConcurrentHashMap<>();
    private final LinkedHashMap<String, Entry> loaded = new LinkedHashMap<>(64, 0.75f, true);
    private long bytes;
    private long evictions;
    private long hits;
    private long misses;
    private long loads;
    private long loadNanos;

    /**
     * What the cache has done since it was made, for metrics.
     *
     * @param hits      acquisitions of a model already loaded
     * @param misses    acquisitions that had to read a model
     * @param loads     models read and loaded (fewer than misses when two threads asked for one model at once and one load was kept)
     * @param loadNanos time spent reading and loading models
     * @param evictions models dropped to stay within the bound
     * @param loaded    models loaded now
     * @param bytes     stored size of the unpinned models loaded now
     */
    public record Stats(long hits, long misses, long loads, long loadNanos, long evictions, int loaded, long bytes) {
    }

    private static final class Entry {
        final DeviceModel model;
        final long bytes;
        final boolean pinned;
        int users;
        boolean evicted;

        Entry(DeviceModel model, long bytes, boolean pinned) {
            this.model = model;
            this.bytes = bytes;
            this.pinned = pinned;
        }
    }

    /** A loaded model in use; close it when done predicting. */
    public final class Lease implements AutoCloseable {
        private final Entry entry;
        private boolean closed;

        private Lease(Entry entry) {
            this.entry = entry;
        }

        public DeviceModel model() {
            return entry.model;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                release(entry);
            }
        }
    }

    /** @param maxBytes bound on the stored size of the unpinned models kept loaded */
    public ModelCache(ArtifactStore artifacts, long maxBytes) {
        this.artifacts = artifacts;
        this.maxBytes = maxBytes;
    }

    /** The stored model {@code ref}, loaded now or earlier. */
    public Lease acquire(ModelRef ref) throws IOException {
        if (ref.combined()) {
            throw new IllegalArgumentException("a combination is not loaded itself; acquire its inputs");
        }
        synchronized (this) {
            Entry e = loaded.get(ref.uri());
            if (e != null) {
                e.users++;
                hits++;
                return new Lease(e);
            }
            misses++;
        }
        long start = System.nanoTime();
        ModelArtifact artifact = artifacts.read(ref.uri()); // outside the lock: reading a pack may take a while
        DeviceModel model = algorithms.computeIfAbsent(ref.algorithm(), Algorithms::named).load(artifact);
        Entry fresh = new Entry(model, artifact.bytes().length, ref.kind() == ModelKind.FLEET);
        long took = System.nanoTime() - start;
        synchronized (this) {
            loads++;
            loadNanos += took;
            Entry e = loaded.get(ref.uri());
            if (e != null) { // another thread loaded it meanwhile
                model.close();
                e.users++;
                return new Lease(e);
            }
            fresh.users = 1;
            loaded.put(ref.uri(), fresh);
            if (!fresh.pinned) {
                bytes += fresh.bytes;
            }
            evict();
            return new Lease(fresh);
        }
    }

    private void evict() {
        Iterator<Entry> it = loaded.values().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Entry e = it.next();
            if (e.pinned) {
                continue;
            }
            it.remove();
            bytes -= e.bytes;
            e.evicted = true;
            evictions++;
            if (e.users == 0) {
                e.model.close();
            }
        }
    }

    private synchronized void release(Entry e) {
        e.users--;
        if (e.evicted && e.users == 0) {
            e.model.close();
        }
    }

    /** Models loaded now. */
    public synchronized int size() {
        return loaded.size();
    }

    /** Models evicted so far. */
    public synchronized long evictions() {
        return evictions;
    }

    /** The counters, read together. */
    public synchronized Stats stats() {
        return new Stats(hits, misses, loads, loadNanos, evictions, loaded.size(), bytes);
    }

    /** Closes every loaded model not in use (and the rest as their leases close). */
    @Override
    public synchronized void close() {
        for (Entry e : loaded.values()) {
            e.evicted = true;
            if (e.users == 0) {
                e.model.close();
            }
        }
        loaded.clear();
        bytes = 0;
    }
}
