package io.fleetml.server.predict;

import io.fleetml.resolve.ModelCache;
import io.fleetml.store.FleetStore;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.StoreException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

/** A session's device-to-model map is read once however many requests want it at once, and the least recently used goes. */
class ServedVersionsTest {
    @TempDir
    Path dir;

    private SessionRecord train(FleetStore store, String name, int devices) throws Exception {
        StringBuilder csv = new StringBuilder("device_id,x1,x2,y\n");
        for (int d = 0; d < devices; d++) {
            for (int i = 0; i < 10; i++) {
                csv.append(String.format(Locale.ROOT, "dev-%d,%d,%d,%d%n", d, i, i * i % 7, d + i));
            }
        }
        Path data = Files.writeString(dir.resolve(name + ".csv"), csv);
        io.fleetml.train.TrainSpec spec = io.fleetml.train.TrainSpec.builder("device_id", List.of("x1", "x2"), "y").algorithm("linear").build();
        try (io.fleetml.data.FleetSource source = io.fleetml.data.DuckDbFleetSource.open(data.toString())) {
            return new io.fleetml.engine.LocalEngine(2).train(source, spec, store, io.fleetml.engine.Progress.NONE).session();
        }
    }

    @Test
    void concurrentRequestsForOneSessionReadItOnce() throws Exception {
        try (FleetStore store = FleetStore.open(dir.resolve("store")); ModelCache cache = new ModelCache(store.artifacts(), 1 << 20)) {
            SessionRecord a = train(store, "a", 2_000);
            SessionRecord b = train(store, "b", 3);
            ServedVersions versions = new ServedVersions(store.tracking(), cache, 1);
            ExecutorService pool = Executors.newFixedThreadPool(8);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<ServedVersion>> got = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                got.add(pool.submit(() -> {
                    go.await();
                    return versions.get(a.id());
                }));
            }
            go.countDown();
            ServedVersion first = got.get(0).get();
            for (Future<ServedVersion> f : got) {
                assertSame(first, f.get());
            }
            pool.shutdown();
            assertEquals(1, versions.loads());
            assertEquals(2_000, first.models().size());

            versions.get(b.id()); // keeps one: a goes
            versions.get(a.id());
            assertEquals(3, versions.loads());
            assertEquals(1, versions.size());

            long before = versions.loads();
            assertThrows(StoreException.class, () -> versions.get("no-such-session"));
            assertThrows(StoreException.class, () -> versions.get("no-such-session"));
            assertEquals(before + 2, versions.loads(), "a failed read is not kept: the next request tries again");
        }
    }
}
