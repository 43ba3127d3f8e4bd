package io.fleetml.server.predict;

import io.fleetml.resolve.ModelCache;
import io.fleetml.resolve.ModelUse;
import io.fleetml.resolve.SessionModels;
import io.fleetml.score.DeviceScoring;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.StoreException;
import io.fleetml.store.TrackingStore;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The versions being served, by session, the most recently used kept (a version's session never changes, so what
 * was read stays true; two versions of one session share it). Reading a session's device-to-model map takes about half
 * a second for 100,000 devices: it happens outside this class's lock, once, and a second request for the same
 * session meanwhile waits for the first one's result instead of reading it again. A failed read is not kept.
 */
public final class ServedVersions {
    private final TrackingStore tracking;
    private final ModelCache cache;
    private final LinkedHashMap<String, CompletableFuture<ServedVersion>> loaded;
    private long loads;

    public ServedVersions(TrackingStore tracking, ModelCache cache, int kept) {
        this.tracking = tracking;
        this.cache = cache;
        this.loaded = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, CompletableFuture<ServedVersion>> eldest) {
                return size() > kept;
            }
        };
    }

    /** The session {@code sessionId} ready to predict, read now or earlier. */
    public ServedVersion get(String sessionId) {
        CompletableFuture<ServedVersion> future;
        boolean mine = false;
        synchronized (loaded) {
            future = loaded.get(sessionId);
            if (future == null) {
                future = new CompletableFuture<>();
                loaded.put(sessionId, future);
                mine = true;
                loads++;
            }
        }
        if (mine) {
            try {
                future.complete(load(sessionId));
            } catch (RuntimeException | Error e) {
                synchronized (loaded) {
                    loaded.remove(sessionId, future);
                }
                future.completeExceptionally(e);
            }
        }
        try {
            return future.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private ServedVersion load(String sessionId) {
        SessionRecord session = tracking.session(sessionId)
                .orElseThrow(() -> StoreException.notFound("session " + sessionId + " is no longer in the store"));
        SessionModels models = SessionModels.of(session, tracking, ModelUse.CHOSEN);
        return new ServedVersion(session, models, new DeviceScoring(models, cache));
    }

    /** Sessions kept loaded now (counting one being read). */
    public int size() {
        synchronized (loaded) {
            return loaded.size();
        }
    }

    /** Sessions read so far. */
    public long loads() {
        synchronized (loaded) {
            return loads;
        }
    }
}
