package io.fleetml.engine;

import io.fleetml.LibraryExampleTest.MeanModel;
import io.fleetml.TestFleets;
import io.fleetml.data.DeviceFrame;
import io.fleetml.data.DuckDbFleetSource;
import io.fleetml.data.FleetInputException;
import io.fleetml.data.FleetSource;
import io.fleetml.model.Algorithm;
import io.fleetml.score.ScoreReport;
import io.fleetml.store.ArtifactStoreContract;
import io.fleetml.store.DeviceQuery;
import io.fleetml.store.DeviceSelection;
import io.fleetml.store.FleetStore;
import io.fleetml.store.ModelUri;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.SessionStatus;
import io.fleetml.store.StoreException;
import io.fleetml.train.TrainOutcome;
import io.fleetml.train.TrainOutcome.Status;
import io.fleetml.train.TrainSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Sessions survive crashes and can be resumed, repaired and scored whatever happened to a model. */
class SessionLifecycleTest {
    @TempDir
    Path dir;

    /** Fits a device's mean label; counts fits per device; throws a fatal error on {@code crashOn} while it is set. */
    private static Algorithm counting(String name, Map<String, AtomicInteger> fits, String crashOn, AtomicBoolean crash) {
        return Algorithm.custom(name, (DeviceFrame train) -> {
            fits.computeIfAbsent(train.deviceId(), d -> new AtomicInteger()).incrementAndGet();
            if (train.deviceId().equals(crashOn) && crash.get()) {
                throw new StackOverflowError("the process dies here"); // not a device's failure: the run stops
            }
            if (train.deviceId().equals("dev-3") && crash.get()) {
                throw new IllegalStateException("dev-3 fails until it is fixed");
            }
            return new MeanModel(Arrays.stream(train.label()).average().orElseThrow());
        }, artifact -> new MeanModel(ByteBuffer.wrap(artifact.bytes()).getDouble()));
    }

    private static Map<String, TrainOutcome> runs(FleetStore store, String session) {
        return store.tracking().devices(session, DeviceQuery.ALL).stream().collect(Collectors.toMap(TrainOutcome::deviceId, o -> o));
    }

    @Test
    void aSessionThatStoppedResumesTrainingOnlyTheDevicesWithoutARun() {
        // 600 devices: more than one batch, so some were recorded before the run stopped
        Path data = TestFleets.linear(dir.resolve("fleet.csv"), 600, 12, 0.1, 1);
        Map<String, AtomicInteger> fits = new ConcurrentHashMap<>();
        AtomicBoolean crash = new AtomicBoolean(true);
        Algorithm algorithm = counting("counting_resume", fits, "dev-599", crash);
        TrainSpec spec = TrainSpec.builder("device", TestFleets.features(), "y").algorithm(algorithm).idColumn("record_id").build();
        try (FleetStore store = FleetStore.open(dir.resolve("store")); FleetSource source = DuckDbFleetSource.open(data.toString())) {
            assertThrows(StackOverflowError.class, () -> new LocalEngine(1).train(source, spec, store, Progress.NONE));
            SessionRecord stopped = store.tracking().sessions(null).get(0);
            assertEquals(SessionStatus.FAILED, stopped.status());
            assertEquals(source.location(), stopped.dataLocation());
            long recorded = store.tracking().countDevices(stopped.id(), DeviceQuery.ALL);
            assertTrue(recorded >= 512 && recorded < 600, "the first batch was recorded: " + recorded);
            Map<String, String> before = runs(store, stopped.id()).values().stream().filter(o -> o.modelUri() != null)
                    .collect(Collectors.toMap(TrainOutcome::deviceId, TrainOutcome::modelUri));
            fits.clear();

            crash.set(false);
            TrainReport resumed = new LocalEngine(2).train(source, TrainingCoordinator.resume(store.tracking(), stopped.id()), store, Progress.NONE);
            assertEquals(stopped.id(), resumed.session().id(), "the same session");
            assertEquals(SessionStatus.FINISHED, resumed.session().status());
            assertEquals(600 - recorded, resumed.trained());
            assertEquals(600 - recorded, fits.size(), "nothing finished is trained again");
            assertEquals(599, resumed.summary().ok(), "the summary covers the whole session; dev-3 failed in the first run");
            Map<String, TrainOutcome> after = runs(store, stopped.id());
            assertEquals(600, after.size());
            before.forEach((device, uri) -> assertEquals(uri, after.get(device).modelUri(), device + " keeps its model"));
            Set<String> packs = after.values().stream().filter(o -> o.modelUri() != null).map(o -> ModelUri.packOf(o.modelUri()))
                    .collect(Collectors.toSet());
            assertTrue(packs.size() >= 2, "the resumed run wrote packs of its own, not over the first run's: " + packs);

            StoreException again = assertThrows(StoreException.class, () -> TrainingCoordinator.resume(store.tracking(), stopped.id()));
            assertEquals(StoreException.Kind.CONFLICT, again.kind());
        }
    }

    @Test
    void aRetrainingIsCompleteAndScoresEveryDeviceWithTheModelThatAnswersForIt() {
        Path data = TestFleets.linear(dir.resolve("fleet.csv"), 6, 30, 0.1, 2);
        Map<String, AtomicInteger> fits = new ConcurrentHashMap<>();
        AtomicBoolean broken = new AtomicBoolean(true);
        Algorithm algorithm = counting("counting_retrain", fits, "none", broken);
        TrainSpec spec = TrainSpec.builder("device", TestFleets.features(), "y").algorithm(algorithm).idColumn("record_id").build();
        try (FleetStore store = FleetStore.open(dir.resolve("store")); FleetSource source = DuckDbFleetSource.open(data.toString())) {
            TrainReport first = new LocalEngine(2).train(source, spec, store, Progress.NONE);
            assertEquals(1, first.summary().failed());
            broken.set(false);
            fits.clear();
            TrainingCoordinator.Plan plan = TrainingCoordinator.retrain(store.tracking(), first.session().id(),
                    new DeviceSelection(Set.of(Status.FAILED), List.of("dev-0")), Map.of());
            TrainReport second = new LocalEngine(2).train(source, plan, store, Progress.NONE);
            assertEquals(Set.of("dev-3", "dev-0"), fits.keySet(), "only the failed device and the named one");
            assertEquals(first.session().id(), second.session().parent());
            assertEquals(6, second.summary().ok());
            assertEquals(4, second.summary().inherited());
            Map<String, TrainOutcome> runs = runs(store, second.session().id());
            assertNull(runs.get("dev-3").trainedIn());
            assertEquals(first.session().id(), runs.get("dev-1").trainedIn());
            assertEquals(runs(store, first.session().id()).get("dev-1").modelUri(), runs.get("dev-1").modelUri(), "by reference");

            Map<String, String> answered = new HashMap<>();
            ScoreReport scored = new LocalEngine(2).score(source, second.session(), store, (device, ids, p, model) -> answered.put(device, model),
                    Progress.NONE);
            assertEquals(180, scored.predicted(), "every device has a model in one session or the other");
            assertEquals("device/" + second.session().id(), answered.get("dev-3"));
            assertEquals("device/" + first.session().id(), answered.get("dev-1"));

            FleetInputException none = assertThrows(FleetInputException.class, () -> TrainingCoordinator.retrain(store.tracking(),
                    second.session().id(), new DeviceSelection(Set.of(Status.FAILED), List.of()), Map.of()));
            assertTrue(none.getMessage().contains("nothing to retrain"), none.getMessage());
        }
    }

    @Test
    void hostileDeviceIdsStayInsideTheStoreAndAnEmptyOneIsNoDevice() throws Exception {
        List<String> lines = new ArrayList<>(List.of("device,record_id,x1,x2,y"));
        List<String> ids = new ArrayList<>(ArtifactStoreContract.HOSTILE_IDS.stream()
                .filter(id -> !id.contains("\n") && !id.contains("\0") && !id.contains("\"")).toList());
        int record = 0;
        for (String id : ids) {
            for (int i = 0; i < 12; i++) {
                lines.add("\"" + id + "\"," + record++ + "," + i + "," + (i % 3) + "," + (2 * i + i % 3));
            }
        }
        for (int i = 0; i < 12; i++) {
            lines.add("\"\"," + record++ + "," + i + ",0," + i); // an empty id: a missing one
        }
        Path data = TestFleets.csv(dir.resolve("hostile.csv"), lines.toArray(String[]::new));
        Path storeDir = dir.resolve("deep/store");
        try (FleetStore store = FleetStore.open(storeDir); FleetSource source = DuckDbFleetSource.open(data.toString())) {
            TrainSpec spec = TrainSpec.builder("device", TestFleets.features(), "y").algorithm("linear").idColumn("record_id").build();
            TrainReport report = new LocalEngine(2).train(source, spec, store, Progress.NONE);
            assertEquals(ids.size(), report.summary().ok(), report.summary().toString());
            Map<String, TrainOutcome> runs = runs(store, report.session().id());
            assertEquals(Set.copyOf(ids), runs.keySet());
            Map<String, Double> predicted = new HashMap<>();
            new LocalEngine(2).score(source, report.session(), store, (device, rids, p, model) -> predicted.put(device, p[0]), Progress.NONE);
            for (String id : ids) {
                assertFalse(Double.isNaN(predicted.get(id)), id);
            }
        }
        try (Stream<Path> all = Files.walk(dir)) {
            List<Path> outside = all.filter(Files::isRegularFile).filter(p -> !p.startsWith(storeDir) && !p.equals(data)).toList();
            assertEquals(List.of(), outside, "nothing written outside the store");
        }
    }

    @Test
    void aModelThatIsNotFiniteFailsItsDeviceAndInfiniteValuesAreMissing() {
        List<String> lines = new ArrayList<>(List.of("device,record_id,x1,x2,y"));
        for (int i = 0; i < 30; i++) {
            lines.add("inf-label," + i + "," + i + "," + (i % 4) + "," + (i == 7 ? "inf" : String.valueOf(3 * i)));
            lines.add("nan-model," + (100 + i) + "," + i + "," + (i % 4) + "," + i);
            lines.add("fine," + (200 + i) + "," + i + "," + (i % 4) + "," + i);
        }
        Path data = TestFleets.csv(dir.resolve("inf.csv"), lines.toArray(String[]::new));
        Algorithm nanOnOne = Algorithm.custom("nan_on_one", (DeviceFrame train) -> {
            double v = train.deviceId().equals("nan-model") ? Double.NaN : Arrays.stream(train.label()).average().orElseThrow();
            return new MeanModel(v);
        }, artifact -> new MeanModel(ByteBuffer.wrap(artifact.bytes()).getDouble()));
        try (FleetStore store = FleetStore.open(dir.resolve("store")); FleetSource source = DuckDbFleetSource.open(data.toString())) {
            TrainReport linear = new LocalEngine(1).train(source, TrainSpec.builder("device", TestFleets.features(), "y").algorithm("linear")
                    .idColumn("record_id").build(), store, Progress.NONE);
            TrainOutcome inf = runs(store, linear.session().id()).get("inf-label");
            assertEquals(Status.OK, inf.status(), inf.toString());
            assertEquals(1, inf.nDropped(), "the infinite label is missing");
            assertTrue(Double.isFinite(inf.holdout().mse()));

            TrainReport custom = new LocalEngine(1).train(source, TrainSpec.builder("device", TestFleets.features(), "y").algorithm(nanOnOne)
                    .idColumn("record_id").build(), store, Progress.NONE);
            TrainOutcome nan = runs(store, custom.session().id()).get("nan-model");
            assertEquals(Status.FAILED, nan.status());
            assertTrue(nan.error().contains("not finite"), nan.error());
            assertNull(nan.modelUri());
            assertEquals(2, custom.summary().ok());
        }
    }

    @Test
    void aDeviceWhoseModelCannotBeReadGetsNoPredictionAndTheRestIsScored() throws Exception {
        Path data = TestFleets.linear(dir.resolve("fleet.csv"), 700, 3, 0.1, 3); // two packs: 512 + 188 devices
        try (FleetStore store = FleetStore.open(dir.resolve("store")); FleetSource source = DuckDbFleetSource.open(data.toString())) {
            TrainSpec spec = TrainSpec.builder("device", TestFleets.features(), "y").algorithm("linear").minRows(2).testFraction(0)
                    .idColumn("record_id").build();
            SessionRecord session = new LocalEngine(2).train(source, spec, store, Progress.NONE).session();
            String lost = ModelUri.packOf(store.tracking().device(session.id(), "dev-699").orElseThrow().modelUri());
            Files.delete(Path.of(java.net.URI.create(lost)));
            String corrupt = ModelUri.packOf(store.tracking().device(session.id(), "dev-0").orElseThrow().modelUri());
            assertNotEquals(lost, corrupt);
            Path corruptFile = Path.of(java.net.URI.create(corrupt));
            byte[] bytes = Files.readAllBytes(corruptFile);
            Files.write(corruptFile, Arrays.copyOf(bytes, bytes.length / 2));
            ScoreReport report;
            try (FleetStore fresh = FleetStore.open(dir.resolve("store"))) {
                report = new LocalEngine(2).score(source, session, fresh, (device, ids, p, model) -> { }, Progress.NONE);
            }
            assertEquals(700, report.devices());
            assertTrue(report.devicesUnreadable() > 0, report.toString());
            assertEquals(report.records() - report.recordsUnreadable(), report.predicted(), "every other record is predicted");
            assertFalse(report.unreadable().isEmpty());
            assertTrue(report.unreadable().get(0).reason().contains(".zip"), report.unreadable().get(0).reason());
        }
    }
}
