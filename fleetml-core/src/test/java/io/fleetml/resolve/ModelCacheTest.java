package io.fleetml.resolve;

import io.fleetml.data.DeviceFrame;
import io.fleetml.model.Algorithm;
import io.fleetml.model.DeviceModel;
import io.fleetml.model.ModelArtifact;
import io.fleetml.store.ArtifactStore;
import io.fleetml.store.PackArtifactStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.*;

/** The loaded-model cache stays within its bound and closes what it evicts, never a model still in use. */
class ModelCacheTest {
    @TempDir
    Path dir;

    private static final Set<String> CLOSED = ConcurrentHashMap.newKeySet();

    private record Named(String name) implements DeviceModel {
        @Override
        public double[] predict(DeviceFrame frame) {
            return new double[frame.rows()];
        }

        @Override
        public ModelArtifact artifact() {
            return new ModelArtifact("model.bin", new byte[1000]);
        }

        @Override
        public void close() {
            CLOSED.add(name);
        }
    }

    @Test
    void evictsTheLeastRecentlyUsedAndClosesItOnceReleased() throws Exception {
        Algorithm algorithm = Algorithm.custom("cache_test", train -> null, a -> new Named(new String(a.bytes(), 0, 5).trim()));
        io.fleetml.model.Algorithms.register(algorithm);
        try (ArtifactStore artifacts = PackArtifactStore.local(dir)) {
            List<ArtifactStore.DeviceArtifact> files = new ArrayList<>();
            for (String d : List.of("a", "b", "c", "fleet")) {
                byte[] bytes = new byte[1000];
                System.arraycopy((d + "     ").getBytes(), 0, bytes, 0, 5);
                files.add(new ArtifactStore.DeviceArtifact(d, new ModelArtifact("model.bin", bytes), "{}".getBytes()));
            }
            List<String> uris = artifacts.writePack("s", "part-00000", files);
            ModelRef a = new ModelRef(uris.get(0), "cache_test", ModelKind.DEVICE, "s");
            ModelRef b = new ModelRef(uris.get(1), "cache_test", ModelKind.DEVICE, "s");
            ModelRef c = new ModelRef(uris.get(2), "cache_test", ModelKind.DEVICE, "s");
            ModelRef fleet = new ModelRef(uris.get(3), "cache_test", ModelKind.FLEET, "s");
            try (ModelCache cache = new ModelCache(artifacts, 2000)) { // room for two device models
                cache.acquire(fleet).close();
                ModelCache.Lease held = cache.acquire(a);
                cache.acquire(b).close();
                assertTrue(CLOSED.isEmpty());
                cache.acquire(c).close(); // over the bound: a goes, but it is in use
                assertEquals(1, cache.evictions());
                assertFalse(CLOSED.contains("a"), "not while it predicts");
                held.model().predict(new DeviceFrame("a", List.of(), new double[0][], null, new long[3]));
                held.close();
                assertTrue(CLOSED.contains("a"), "closed once released");
                try (ModelCache.Lease again = cache.acquire(b); ModelCache.Lease other = cache.acquire(b)) {
                    assertSame(again.model(), other.model(), "a loaded model is shared");
                }
                assertEquals(4, cache.size() + cache.evictions(), "the fleet model stays however small the bound");
                ModelCache.Stats stats = cache.stats();
                assertEquals(4, stats.misses(), "fleet, a, b, c read once each");
                assertEquals(4, stats.loads());
                assertEquals(2, stats.hits(), "b twice from the cache");
                assertEquals(1, stats.evictions());
                assertEquals(cache.size(), stats.loaded());
                assertTrue(stats.loadNanos() > 0);
                assertFalse(CLOSED.contains("fleet"));
            }
            assertTrue(CLOSED.containsAll(Set.of("a", "b", "c", "fleet")), "closing the cache closes what it holds");
        }
    }
}
