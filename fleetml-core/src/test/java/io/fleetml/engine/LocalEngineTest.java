package io.fleetml.engine;

import io.fleetml.LibraryExampleTest.MeanModel;
import io.fleetml.TestFleets;
import io.fleetml.data.DeviceFrame;
import io.fleetml.data.DuckDbFleetSource;
import io.fleetml.data.FleetInputException;
import io.fleetml.data.FleetSource;
import io.fleetml.model.Algorithm;
import io.fleetml.score.ScoreReport;
import io.fleetml.store.FleetStore;
import io.fleetml.store.SessionRecord;
import io.fleetml.train.TrainOutcome;
import io.fleetml.train.TrainOutcome.Status;
import io.fleetml.train.TrainSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

class LocalEngineTest {
    @TempDir
    Path dir;

    private static TrainSpec.Builder spec() {
        return TrainSpec.builder("device", TestFleets.features(), "y").idColumn("record_id");
    }

    private static TrainSpec.Builder linear() {
        return spec().algorithm("linear").param("alpha", 0.001);
    }

    @Test
    void trainsOneModelPerDeviceAndRecordsTheSession() throws Exception {
        Path data = TestFleets.linear(dir.resolve("fleet.csv"), 30, 60, 0.1, 1);
        try (FleetSource source = DuckDbFleetSource.open(data.toString()); FleetStore store = FleetStore.open(dir.resolve("store"))) {
            TrainReport report = new LocalEngine(2).train(source, linear().build(), store, Progress.NONE);
            assertEquals(io.fleetml.store.SessionStatus.FINISHED, report.session().status());
            assertEquals(30, report.summary().ok());
            assertEquals(1800, report.session().nRows());
            List<TrainOutcome> devices = store.tracking().devices(report.session().id(), io.fleetml.store.DeviceQuery.ALL);
            assertEquals(30, devices.size());
            for (TrainOutcome o : devices) {
                assertEquals(Status.OK, o.status());
                assertEquals(48, o.nUsed());
                assertEquals(12, o.nTest());
                assertTrue(o.holdout().mse() < 0.01, o.deviceId() + " mse " + o.holdout().mse());
                assertTrue(o.trainMse() < 0.01);
                String meta = new String(store.artifacts().meta(o.modelUri()), java.nio.charset.StandardCharsets.UTF_8);
                assertTrue(meta.matches(".*\"library\":\"ejml 0\\.\\d+.*") && meta.contains("\"features\":[\"x1\",\"x2\"]")
                        && meta.contains("\"device_id\":\"" + o.deviceId() + "\""), meta);
            }
        }
    }

    @Test
    void sameResultsWhateverTheNumberOfThreads() {
        Path data = TestFleets.linear(dir.resolve("fleet.csv"), 20, 50, 1.0, 2);
        Map<Integer, List<Double>> mse = new HashMap<>();
        for (int threads : new int[] {1, 2}) {
            try (FleetSource source = DuckDbFleetSource.open(data.toString()); FleetStore store = FleetStore.open(dir.resolve("s" + threads))) {
                TrainReport r = new LocalEngine(threads).train(source, TrainSpec.builder("device", TestFleets.features(), "y")
                        .param("n_estimators", 5).param("max_depth", 3).idColumn("record_id").build(), store, Progress.NONE);
                mse.put(threads, store.tracking().devices(r.session().id(), io.fleetml.store.DeviceQuery.ALL).stream().map(o -> o.holdout().mse()).toList());
            }
        }
        assertEquals(mse.get(1), mse.get(2));
    }

    @Test
    void aDevicesFailureIsItsOwnAndTheSessionFinishes() {
        List<String> lines = new ArrayList<>(List.of("device,record_id,x1,x2,y"));
        int id = 0;
        for (int i = 0; i < 40; i++) {
            double x = i / 40.0;
            lines.add("good," + id++ + "," + x + "," + (1 - x * x) + "," + (3 * x + (i % 3)));
            lines.add("boom," + id++ + "," + x + "," + (1 - x) + "," + (2 * x + (i % 2)));
            lines.add("constant," + id++ + "," + x + "," + x + ",5");
            lines.add("nofeatures," + id++ + ",NA,NA," + i);
            lines.add("nolabel," + id++ + "," + x + "," + x + ",NA");
        }
        for (int i = 0; i < 3; i++) {
            lines.add("tiny," + id++ + "," + i + "," + i + "," + i);
        }
        Path data = TestFleets.csv(dir.resolve("bad.csv"), lines.toArray(String[]::new));
        Algorithm mean = meanAlgorithm("mean_fails_on_boom", new AtomicInteger());
        try (FleetSource source = DuckDbFleetSource.open(data.toString()); FleetStore store = FleetStore.open(dir.resolve("store"))) {
            TrainReport report = new LocalEngine(2).train(source, spec().algorithm(mean).build(), store, Progress.NONE);
            Map<String, TrainOutcome> byDevice = store.tracking().devices(report.session().id(), io.fleetml.store.DeviceQuery.ALL).stream()
                    .collect(Collectors.toMap(TrainOutcome::deviceId, o -> o));
            assertEquals(io.fleetml.store.SessionStatus.FINISHED, report.session().status());
            assertEquals(Status.OK, byDevice.get("good").status());
            assertFailed(byDevice.get("boom"), "IllegalStateException: no model for device boom");
            assertFailed(byDevice.get("constant"), "label is constant");
            assertFailed(byDevice.get("nofeatures"), "no usable features");
            assertFailed(byDevice.get("tiny"), "too few rows: 3 usable");
            assertEquals(Status.SKIPPED, byDevice.get("nolabel").status());
            assertEquals(40, byDevice.get("nolabel").nDropped());
            assertEquals(1, report.summary().ok());
            assertEquals(4, report.summary().failed());
            assertEquals(1, report.summary().skipped());
        }
    }

    @Test
    void theLinearModelDropsRowsWithMissingFeaturesAndCountsThem() {
        List<String> lines = new ArrayList<>(List.of("device,record_id,x1,x2,y"));
        for (int i = 0; i < 50; i++) {
            lines.add("d," + i + "," + (i % 5 == 0 ? "NA" : String.valueOf(i)) + "," + (i * i % 7) + "," + (2 * i + i * i % 7));
        }
        Path data = TestFleets.csv(dir.resolve("na.csv"), lines.toArray(String[]::new));
        try (FleetSource source = DuckDbFleetSource.open(data.toString()); FleetStore store = FleetStore.open(dir.resolve("store"))) {
            TrainReport lin = new LocalEngine(1).train(source, linear().build(), store, Progress.NONE);
            TrainOutcome l = store.tracking().devices(lin.session().id(), io.fleetml.store.DeviceQuery.ALL).get(0);
            assertEquals(10, l.nDropped());
            assertEquals(40, l.nUsed() + l.nTest());
            TrainReport forest = new LocalEngine(1).train(source, linear().algorithm("random_forest").param("n_estimators", 5)
                    .params(Map.of("alpha", "1")).build(), store, Progress.NONE);
            fail("alpha is not a random_forest parameter, expected an error, got " + forest);
        } catch (FleetInputException e) {
            assertTrue(e.getMessage().contains("unknown parameter 'alpha' for random_forest"), e.getMessage());
        }
    }

    @Test
    void scoringLoadsEachModelOnceAndCountsRecordsWithoutAModel() {
        Path train = TestFleets.linear(dir.resolve("train.csv"), 4, 40, 0.1, 3);
        AtomicInteger loads = new AtomicInteger();
        Algorithm mean = meanAlgorithm("mean_counting", loads);
        List<String> lines = new ArrayList<>(List.of("device,record_id,x1,x2"));
        for (int i = 0; i < 30; i++) {
            lines.add("dev-" + (i % 3) + "," + i + ",0.5,0.5");
        }
        lines.add("stranger,100,0.5,0.5");
        lines.add("boom,101,0.5,0.5");
        Path score = TestFleets.csv(dir.resolve("score.csv"), lines.toArray(String[]::new));
        try (FleetStore store = FleetStore.open(dir.resolve("store"))) {
            SessionRecord session;
            try (FleetSource source = DuckDbFleetSource.open(train.toString())) {
                session = new LocalEngine(2).train(source, spec().algorithm(mean).build(), store, Progress.NONE).session();
            }
            Map<Long, Double> predictions = new ConcurrentHashMap<>();
            Map<Long, String> models = new HashMap<>();
            ScoreReport report;
            try (FleetSource source = DuckDbFleetSource.open(score.toString())) {
                report = new LocalEngine(2).score(source, session, store, (device, ids, p, model) -> {
                    for (int i = 0; i < ids.length; i++) {
                        predictions.put(ids[i], p[i]);
                        models.put(ids[i], model);
                    }
                }, Progress.NONE);
            }
            assertEquals(3, loads.get(), "one load per device with records");
            assertEquals(32, report.records());
            assertEquals(30, report.predicted());
            assertEquals(2, report.devicesWithoutModel());
            assertEquals(2, report.recordsWithoutModel());
            assertTrue(Double.isNaN(predictions.get(100L)));
            assertNull(models.get(100L));
            assertEquals("device/" + session.id(), models.get(0L));
            double dev1Mean = store.tracking().devices(session.id(), io.fleetml.store.DeviceQuery.ALL).stream().filter(o -> o.deviceId().equals("dev-1")).findFirst()
                    .map(o -> predictions.get(1L)).orElseThrow();
            assertTrue(dev1Mean > 1.0 && dev1Mean < 3.0, "device 1's mean label is about 1 + 1 + 1 - 1.5 = 1.5 + 1: " + dev1Mean);
        }
    }

    @Test
    void badInputFailsBeforeAnySessionIsRecorded() {
        Path data = TestFleets.linear(dir.resolve("fleet.csv"), 2, 20, 0.1, 1);
        try (FleetSource source = DuckDbFleetSource.open(data.toString()); FleetStore store = FleetStore.open(dir.resolve("store"))) {
            assertThrows(FleetInputException.class, () -> new LocalEngine().train(source,
                    TrainSpec.builder("device", List.of("x1", "x9"), "y").build(), store, Progress.NONE));
            assertThrows(FleetInputException.class, () -> new LocalEngine().train(source,
                    TrainSpec.builder("device", List.of("x1"), "y").param("n_estimator", 3).build(), store, Progress.NONE));
            assertTrue(store.tracking().sessions(null).isEmpty());
        }
    }

    private static void assertFailed(TrainOutcome o, String reason) {
        assertEquals(Status.FAILED, o.status(), o.toString());
        assertTrue(o.error().contains(reason), o.error());
        assertNull(o.modelUri());
    }

    /** A user's own algorithm: predicts the device's mean label; fails for device "boom"; counts loads. */
    static Algorithm meanAlgorithm(String name, AtomicInteger loads) {
        return Algorithm.custom(name, (DeviceFrame train) -> {
            if (train.deviceId().equals("boom")) {
                throw new IllegalStateException("no model for device boom");
            }
            return new MeanModel(Arrays.stream(train.label()).average().orElseThrow());
        }, artifact -> {
            loads.incrementAndGet();
            return new MeanModel(ByteBuffer.wrap(artifact.bytes()).getDouble());
        });
    }
}
