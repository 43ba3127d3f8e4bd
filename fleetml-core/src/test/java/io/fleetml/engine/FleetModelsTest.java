package io.fleetml.engine;

import io.fleetml.LibraryExampleTest.MeanModel;
import io.fleetml.TestFleets;
import io.fleetml.data.DeviceFrame;
import io.fleetml.data.DuckDbFleetSource;
import io.fleetml.data.FleetInputException;
import io.fleetml.data.FleetSource;
import io.fleetml.data.SyntheticFleet;
import io.fleetml.fleet.FleetMode;
import io.fleetml.fleet.FleetReport;
import io.fleetml.fleet.FleetSpec;
import io.fleetml.model.Algorithm;
import io.fleetml.resolve.ModelKind;
import io.fleetml.resolve.ModelUse;
import io.fleetml.score.ScoreReport;
import io.fleetml.store.DeviceQuery;
import io.fleetml.store.FleetStore;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.SessionStatus;
import io.fleetml.train.TrainOutcome;
import io.fleetml.train.TrainSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/** Fleet models on the local engine: honest metrics, every device predicted, sessions that resume. */
class FleetModelsTest {
    @TempDir
    Path dir;

    private static FleetSpec fleet(FleetMode mode) {
        return new FleetSpec(mode, "gradient_boosting", Map.of("n_estimators", "30"), 0.2, 1_000_000);
    }

    private static Map<String, TrainOutcome> runs(FleetStore store, String session) {
        return store.tracking().devices(session, DeviceQuery.ALL).stream().collect(Collectors.toMap(TrainOutcome::deviceId, o -> o));
    }

    private static FleetReport.Row row(FleetReport f, String model, String scope) {
        return f.table().stream().filter(r -> r.model().equals(model) && r.scope().equals(scope)).findFirst().orElseThrow();
    }

    /**
     * 30 devices of 50 hourly rows with y = 2·x1 + x2 and x3 = 0; in one device's last 10 hours (its test rows) x3 is 1 to 2
     * and y = 2·x1 + x2 + 500·x3. A model that saw those rows learns x3's effect and looks good on them; one that did not
     * cannot know it. So every model, the choice and the stack must look bad on that device's test rows.
     */
    @Test
    void noModelSeesATestRow() throws Exception {
        SplittableRandom r = new SplittableRandom(5);
        StringBuilder csv = new StringBuilder("device,hour,x1,x2,x3,y\n");
        for (int d = 0; d < 30; d++) {
            for (int h = 0; h < 50; h++) {
                double x1 = r.nextDouble(), x2 = r.nextDouble();
                double x3 = d == 7 && h >= 40 ? 1 + r.nextDouble() : 0;
                double y = 2 * x1 + x2 + 500 * x3 + 0.05 * r.nextGaussian();
                csv.append(String.format(Locale.ROOT, "dev-%d,%d,%.5f,%.5f,%.5f,%.5f%n", d, h, x1, x2, x3, y));
            }
        }
        Path data = Files.writeString(dir.resolve("fleet.csv"), csv);
        for (boolean timeOrdered : new boolean[] {true, false}) {
            TrainSpec.Builder b = TrainSpec.builder("device", List.of("x1", "x2", "x3"), "y").algorithm("linear").fleet(fleet(FleetMode.STACK));
            TrainSpec spec = (timeOrdered ? b.timeColumn("hour") : b).build();
            try (FleetStore store = FleetStore.open(dir.resolve("store-" + timeOrdered)); FleetSource source = DuckDbFleetSource.open(data.toString())) {
                TrainReport report = new LocalEngine(2).train(source, spec, store, Progress.NONE);
                FleetReport f = report.session().fleet();
                assertEquals(30 * 30, f.sampleRows(), "the fleet model saw 30 training rows of each device: no validation or test row");
                if (timeOrdered) {
                    TrainOutcome o = runs(store, report.session().id()).get("dev-7");
                    for (double mse : new double[] {o.holdout().mse(), o.fleet().fleet().mse(), o.fleet().hierarchical().mse(), o.fleet().stack().mse()}) {
                        assertTrue(mse > 100_000, "dev-7's test rows are unpredictable, and every model must look so: " + mse);
                    }
                    assertTrue(row(f, "chosen", "own").mse() > 100_000 * 10 / (30.0 * 10), "nor the choice: " + row(f, "chosen", "own").mse());
                }
                assertTrue(runs(store, report.session().id()).get("dev-3").holdout().mse() < 0.05, "the others are easy");
            }
        }
    }

    /** Devices that joined after training get the fleet model; known ones their chosen model; every record a prediction. */
    @Test
    void unseenDevicesGetTheFleetModelAndStackCombinesModelsOfDifferentAlgorithms() throws Exception {
        Path data = TestFleets.linear(dir.resolve("fleet.csv"), 12, 40, 0.1, 1);
        Path later = TestFleets.linear(dir.resolve("later.csv"), 15, 5, 0.1, 2); // dev-12..14 are new
        TrainSpec spec = TrainSpec.builder("device", TestFleets.features(), "y").algorithm("linear").idColumn("record_id")
                .fleet(fleet(FleetMode.STACK)).build();
        try (FleetStore store = FleetStore.open(dir.resolve("store")); FleetSource source = DuckDbFleetSource.open(data.toString());
             FleetSource newer = DuckDbFleetSource.open(later.toString())) {
            SessionRecord session = new LocalEngine(2).train(source, spec, store, Progress.NONE).session();
            Map<String, String> chosen = runs(store, session.id()).values().stream()
                    .collect(Collectors.toMap(TrainOutcome::deviceId, o -> o.fleet().chosen().label()));
            for (ModelUse use : ModelUse.values()) {
                Map<String, String> answered = new HashMap<>();
                Map<String, double[]> predictions = new HashMap<>();
                ScoreReport scored = new LocalEngine(2).score(newer, session.spec().scoreQuery(newer.columns(), null),
                        LocalEngine.models(session, store.tracking(), use), store.artifacts(), (device, ids, p, model) -> {
                            answered.put(device, model);
                            predictions.put(device, p);
                        }, Progress.NONE);
                boolean unseenAnswered = use == ModelUse.CHOSEN || use == ModelUse.FLEET || use == ModelUse.STACK;
                assertEquals(unseenAnswered ? 75 : 60, scored.predicted(), use + ": " + scored);
                assertEquals(unseenAnswered ? "fleet/" + session.id() : null, answered.get("dev-13"), use.label());
                String known = answered.get("dev-2");
                assertEquals((use == ModelUse.CHOSEN ? chosen.get("dev-2") : use.label()) + "/" + session.id(), known, use.label());
                assertTrue(Arrays.stream(predictions.get("dev-2")).allMatch(Double::isFinite), use.label());
            }
        }
    }

    /** Too few rows everywhere: no device model, yet the session finishes and every record is predicted by the fleet model. */
    @Test
    void aFleetWhoseDevicesAllFailStillPredictsThroughTheFleetModel() throws Exception {
        Path data = TestFleets.linear(dir.resolve("fleet.csv"), 20, 8, 0.1, 3);
        TrainSpec spec = TrainSpec.builder("device", TestFleets.features(), "y").algorithm("linear").idColumn("record_id").minRows(50)
                .fleet(fleet(FleetMode.FALLBACK)).build();
        try (FleetStore store = FleetStore.open(dir.resolve("store")); FleetSource source = DuckDbFleetSource.open(data.toString())) {
            TrainReport report = new LocalEngine(2).train(source, spec, store, Progress.NONE);
            assertEquals(SessionStatus.FINISHED, report.session().status());
            assertEquals(0, report.summary().ok());
            for (TrainOutcome o : runs(store, report.session().id()).values()) {
                assertEquals(TrainOutcome.Status.FAILED, o.status());
                assertTrue(o.error().startsWith("too few rows"), "the device model's error stays visible: " + o.error());
                assertEquals(ModelKind.FLEET, o.fleet().chosen());
                assertTrue(Double.isFinite(o.fleet().fleet().mse()), "the fleet model is measured on the device's test rows");
            }
            assertEquals(Map.of("device", 0L, "fleet", 20L), report.session().fleet().chosen());
            ScoreReport scored = new LocalEngine(2).score(source, report.session(), store, (device, ids, p, model) -> { }, Progress.NONE);
            assertEquals(160, scored.predicted());
            assertEquals(Map.of("fleet", 160L), scored.byModel());
        }
    }

    /** The evidence in small: on a heterogeneous fleet the choice and the stack beat both device-only and fleet-only. */
    @Test
    void onAHeterogeneousFleetChosenAndStackBeatDeviceOnlyAndFleetOnly() throws Exception {
        Path data = dir.resolve("fleet.parquet");
        SyntheticFleet.writeHeterogeneous(data, null, 400, 42);
        TrainSpec spec = TrainSpec.builder("device_id", SyntheticFleet.FEATURES, "label").algorithm("linear").timeColumn("hour")
                .fleet(new FleetSpec(FleetMode.STACK, "gradient_boosting", Map.of(), 0.2, 2_000_000)).build();
        try (FleetStore store = FleetStore.open(dir.resolve("store")); FleetSource source = DuckDbFleetSource.open(data.toString())) {
            FleetReport f = new LocalEngine(2).train(source, spec, store, Progress.NONE).session().fleet();
            double device = row(f, "device", "own").mse();
            double fleet = row(f, "fleet", "own").mse();
            for (String better : List.of("chosen", "stack")) {
                double mse = row(f, better, "own").mse();
                assertTrue(mse < 0.8 * device && mse < 0.8 * fleet, better + " " + mse + " against device " + device + " and fleet " + fleet);
            }
            assertEquals(400, row(f, "chosen", "all").devices(), "every device with test rows is predicted");
        }
    }

    /** A fleet session stopped halfway resumes with the fleet model it stored, and finishes its choices over all devices. */
    @Test
    void aStoppedFleetSessionResumesWithItsStoredFleetModel() throws Exception {
        Path data = TestFleets.linear(dir.resolve("fleet.csv"), 600, 12, 0.1, 1);
        AtomicBoolean crash = new AtomicBoolean(true);
        Algorithm algorithm = Algorithm.custom("crash_fleet", (DeviceFrame train) -> {
            if (train.deviceId().equals("dev-599") && crash.get()) {
                throw new StackOverflowError("the process dies here");
            }
            return new MeanModel(Arrays.stream(train.label()).average().orElseThrow());
        }, artifact -> new MeanModel(ByteBuffer.wrap(artifact.bytes()).getDouble()));
        TrainSpec spec = TrainSpec.builder("device", TestFleets.features(), "y").algorithm(algorithm).idColumn("record_id")
                .fleet(fleet(FleetMode.STACK)).build();
        try (FleetStore store = FleetStore.open(dir.resolve("store")); FleetSource source = DuckDbFleetSource.open(data.toString())) {
            assertThrows(StackOverflowError.class, () -> new LocalEngine(1).train(source, spec, store, Progress.NONE));
            SessionRecord stopped = store.tracking().sessions(null).get(0);
            assertEquals(SessionStatus.FAILED, stopped.status());
            String fleetModel = stopped.fleet().modelUri();
            assertNotNull(fleetModel, "the fleet model was stored before the devices were trained");
            crash.set(false);
            TrainReport resumed = new LocalEngine(2).train(source, TrainingCoordinator.resume(store.tracking(), stopped.id()), store, Progress.NONE);
            assertEquals(SessionStatus.FINISHED, resumed.session().status());
            assertEquals(fleetModel, resumed.session().fleet().modelUri(), "not fit again");
            assertTrue(runs(store, stopped.id()).values().stream().allMatch(o -> o.fleet().chosen() != null), "every device chose");
            assertEquals(600, resumed.session().fleet().chosen().values().stream().mapToLong(Long::longValue).sum());
            // The stacker is fit on every device's validation rows: those trained before the stop are read from the
            // store, the rest were summed as recorded. An uninterrupted session on the same data fits the same one.
            TrainReport whole = new LocalEngine(2).train(source, spec, store, Progress.NONE);
            assertArrayEquals(whole.session().fleet().stacker(), resumed.session().fleet().stacker(), 1e-9);
        }
    }

    @Test
    void scoringAKindTheSessionLacksIsRefusedWithWhatToDo() throws Exception {
        Path data = TestFleets.linear(dir.resolve("fleet.csv"), 4, 30, 0.1, 1);
        try (FleetStore store = FleetStore.open(dir.resolve("store")); FleetSource source = DuckDbFleetSource.open(data.toString())) {
            SessionRecord plain = new LocalEngine(2).train(source, TrainSpec.builder("device", TestFleets.features(), "y").algorithm("linear")
                    .build(), store, Progress.NONE).session();
            FleetInputException e = assertThrows(FleetInputException.class, () -> LocalEngine.models(plain, store.tracking(), ModelUse.FLEET));
            assertTrue(e.getMessage().contains("trained without --fleet"), e.getMessage());
            SessionRecord fallback = new LocalEngine(2).train(source, TrainSpec.builder("device", TestFleets.features(), "y").algorithm("linear")
                    .fleet(fleet(FleetMode.FALLBACK)).build(), store, Progress.NONE).session();
            e = assertThrows(FleetInputException.class, () -> LocalEngine.models(fallback, store.tracking(), ModelUse.STACK));
            assertTrue(e.getMessage().contains("--fleet fallback") && e.getMessage().contains("--fleet stack"), e.getMessage());
            assertThrows(FleetInputException.class, () -> TrainSpec.builder("device", TestFleets.features(), "y").testFraction(0.5)
                    .fleet(new FleetSpec(FleetMode.STACK, "gradient_boosting", Map.of(), 0.5, 10)).build());
        }
    }

    /** A record missing a feature a linear device model cannot take: the stack answers it with the fleet model's part, as when it was fit. */
    @Test
    void aCombinationFallsBackToTheFleetModelWhereADeviceModelCannotPredictARow() throws Exception {
        Path data = TestFleets.linear(dir.resolve("fleet.csv"), 6, 40, 0.1, 1);
        Path gap = TestFleets.csv(dir.resolve("gap.csv"), "device,record_id,x1,x2", "dev-1,1,0.5,", "dev-1,2,0.5,0.5");
        TrainSpec spec = TrainSpec.builder("device", TestFleets.features(), "y").algorithm("linear").idColumn("record_id")
                .fleet(fleet(FleetMode.STACK)).build();
        try (FleetStore store = FleetStore.open(dir.resolve("store")); FleetSource source = DuckDbFleetSource.open(data.toString());
             FleetSource newer = DuckDbFleetSource.open(gap.toString())) {
            SessionRecord session = new LocalEngine(2).train(source, spec, store, Progress.NONE).session();
            for (ModelUse use : List.of(ModelUse.STACK, ModelUse.HIERARCHICAL, ModelUse.DEVICE)) {
                Map<String, double[]> predictions = new HashMap<>();
                new LocalEngine(1).score(newer, session.spec().scoreQuery(newer.columns(), null), LocalEngine.models(session, store.tracking(), use),
                        store.artifacts(), (device, ids, p, model) -> predictions.put(device, p), Progress.NONE);
                double[] p = predictions.get("dev-1");
                assertTrue(Double.isFinite(p[1]), use + ": a complete row");
                assertEquals(use != ModelUse.DEVICE, Double.isFinite(p[0]), use + ": the row missing x2 " + Arrays.toString(p));
            }
        }
    }
}
