package io.fleetml.store;

import io.fleetml.data.DeviceIdType;
import io.fleetml.registry.ModelName;
import io.fleetml.registry.ModelRegistry;
import io.fleetml.registry.ModelVersion;
import io.fleetml.registry.RegisteredModel;
import io.fleetml.train.Metrics;
import io.fleetml.train.TrainOutcome;
import io.fleetml.train.TrainOutcome.Status;
import io.fleetml.train.TrainSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The contract every {@link TrackingStore} meets; each implementation's test extends this. */
abstract class TrackingStoreContract {
    @TempDir
    Path dir;

    /** Opens the store kept in {@code dir}; a second call opens a second handle on the same store. */
    abstract TrackingStore open(Path dir);

    /** Where this store keeps artifacts by default (relative locations resolve against it). */
    abstract String artifactRoot(Path dir);

    static TrainSpec spec(String experiment) {
        return TrainSpec.builder("device", List.of("x1", "x2"), "y").algorithm("linear").param("alpha", 0.5)
                .timeColumn("t").experiment(experiment).build();
    }

    SessionPlan plan(String experiment, DeviceIdType ids) {
        return new SessionPlan(spec(experiment), "data.csv", "/data/data.csv", 300, 3, ids, artifactRoot(dir), null, null, "local");
    }

    TrainOutcome ok(String device, double mse) {
        return new TrainOutcome(device, Status.OK, 100, 80, 20, 0, new Metrics(mse, Math.sqrt(mse), mse / 2, 1 - mse / 10),
                mse / 2, artifactRoot(dir) + "s/part-00000.zip!/" + device + "/", null, 1.5, null);
    }

    static TrainOutcome failed(String device) {
        return TrainOutcome.failed(device, 3, 0, "too few rows", 0.1);
    }

    static SessionSummary summary(long ok, long failed) {
        return new SessionSummary(ok, failed, 0, 0, 160, 1.5, 2, 2, 0.9, 0.9, List.of(new SessionSummary.WorstDevice("b", 2, 0.9)), 1.0);
    }

    static List<String> ids(List<TrainOutcome> runs) {
        return runs.stream().map(TrainOutcome::deviceId).toList();
    }

    @Test
    void sessionRoundTripsWithItsSpecAndDeviceRuns() {
        try (TrackingStore store = open(dir)) {
            SessionRecord s = store.startSession(plan("e1", DeviceIdType.TEXT));
            assertEquals(SessionStatus.RUNNING, s.status());
            assertEquals(SessionOwner.current(), s.owner());
            assertEquals("/data/data.csv", s.dataLocation());
            assertEquals(artifactRoot(dir), s.artifactRoot(), "the root reads back absolute");
            store.recordDevices(s.id(), List.of(ok("b", 2), ok("a", 1)));
            store.recordDevices(s.id(), List.of(failed("c")));
            store.finishSession(s.id(), SessionStatus.FINISHED, summary(2, 1), 3, null);

            SessionRecord back = store.session(s.id()).orElseThrow();
            assertEquals(SessionStatus.FINISHED, back.status());
            assertEquals(spec("e1"), back.spec());
            assertEquals(summary(2, 1), back.summary());
            assertEquals("e1", back.experiment());
            assertNotNull(back.endedAt());
            List<TrainOutcome> devices = store.devices(s.id(), DeviceQuery.ALL);
            assertEquals(List.of("a", "b", "c"), ids(devices));
            assertEquals(ok("a", 1), devices.get(0));
            assertEquals("too few rows", devices.get(2).error());
            assertTrue(Double.isNaN(devices.get(2).holdout().mse()));
            assertEquals(ok("b", 2), store.device(s.id(), "b").orElseThrow());
            assertTrue(store.device(s.id(), "zz").isEmpty());
        }
    }

    @Test
    void integerDeviceIdsListInNumberOrderAndTextInTextOrder() {
        try (TrackingStore store = open(dir)) {
            for (DeviceIdType type : DeviceIdType.values()) {
                SessionRecord s = store.startSession(plan("e", type));
                store.recordDevices(s.id(), List.of(ok("10", 1), ok("9", 1), ok("100", 1)));
                assertEquals(type == DeviceIdType.INTEGER ? List.of("9", "10", "100") : List.of("10", "100", "9"),
                        ids(store.devices(s.id(), DeviceQuery.ALL)), type.name());
                assertEquals("10", store.device(s.id(), "10").orElseThrow().deviceId());
                assertTrue(store.device(s.id(), "x").isEmpty(), "not a number: no such device");
            }
        }
    }

    @Test
    void listingsFilterSortAndPageInTheStore() {
        try (TrackingStore store = open(dir)) {
            SessionRecord s = store.startSession(plan("e", DeviceIdType.TEXT));
            List<TrainOutcome> runs = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                runs.add(i % 5 == 0 ? failed("d" + (char) ('a' + i)) : ok("d" + (char) ('a' + i), i));
            }
            store.recordDevices(s.id(), runs);
            DeviceQuery worst = DeviceQuery.ALL.sorted(DeviceQuery.Sort.MSE).page(3, 0);
            assertEquals(List.of("dt", "ds", "dr"), ids(store.devices(s.id(), worst)), "highest MSE first");
            assertEquals(List.of("dq", "do", "dn"), ids(store.devices(s.id(), worst.page(3, 3))), "the next page");
            assertEquals(List.of("dt", "ds"), ids(store.devices(s.id(), DeviceQuery.ALL.sorted(DeviceQuery.Sort.R2).page(2, 0))),
                    "lowest R² first");
            List<TrainOutcome> byMse = store.devices(s.id(), DeviceQuery.ALL.sorted(DeviceQuery.Sort.MSE));
            assertEquals(Status.FAILED, byMse.get(19).status(), "devices without the metric last");
            DeviceQuery failedOnly = DeviceQuery.ALL.withStatuses(Set.of(Status.FAILED));
            assertEquals(List.of("da", "df", "dk", "dp"), ids(store.devices(s.id(), failedOnly)));
            assertEquals(4, store.countDevices(s.id(), failedOnly));
            assertEquals(20, store.countDevices(s.id(), DeviceQuery.ALL.page(2, 0)), "a count ignores the page");
            assertEquals(List.of("dk"), ids(store.devices(s.id(), DeviceQuery.ALL.searching("k"))));
            DeviceQuery best = worst.reversed(true);
            assertEquals(List.of("db", "dc", "dd"), ids(store.devices(s.id(), best)), "lowest MSE first, reversed");
            assertEquals(Status.FAILED, store.devices(s.id(), best.page(0, 0)).get(19).status(), "reversed, devices without the metric still last");
            assertEquals(List.of("dt", "ds"), ids(store.devices(s.id(), DeviceQuery.ALL.reversed(true).page(2, 0))), "ids descending");
            List<String> streamed = new ArrayList<>();
            store.forEachDevice(s.id(), DeviceQuery.ALL.withStatuses(Set.of(Status.OK)).sorted(DeviceQuery.Sort.N_USED), o -> streamed.add(o.deviceId()));
            assertEquals(16, streamed.size());

            // a finished session pages from its ranks: the same devices in the same order as the running one sorted them
            List<DeviceQuery> queries = new ArrayList<>();
            for (DeviceQuery.Sort sort : DeviceQuery.Sort.values()) {
                queries.addAll(List.of(DeviceQuery.ALL.sorted(sort), DeviceQuery.ALL.sorted(sort).page(3, 0), DeviceQuery.ALL.sorted(sort).page(4, 17),
                        DeviceQuery.ALL.sorted(sort).page(0, 5), DeviceQuery.ALL.sorted(sort).withStatuses(Set.of(Status.OK)).page(2, 1),
                        DeviceQuery.ALL.sorted(sort).searching("d").page(3, 2), failedOnly.sorted(sort), DeviceQuery.ALL.sorted(sort).reversed(true).page(5, 2)));
            }
            List<List<String>> running = queries.stream().map(q -> ids(store.devices(s.id(), q))).toList();
            store.finishSession(s.id(), SessionStatus.FINISHED, summary(16, 4), 20, null);
            for (int i = 0; i < queries.size(); i++) {
                assertEquals(running.get(i), ids(store.devices(s.id(), queries.get(i))), queries.get(i).toString());
            }
            assertEquals(4, store.countDevices(s.id(), failedOnly));
        }
    }

    @Test
    void experimentsListByIdWithTheirNames() {
        try (TrackingStore store = open(dir)) {
            assertEquals(List.of(), store.experiments());
            store.startSession(plan("pumps", DeviceIdType.TEXT));
            store.startSession(plan("fans", DeviceIdType.TEXT));
            store.startSession(plan("pumps", DeviceIdType.TEXT));
            List<Experiment> all = store.experiments();
            assertEquals(List.of("pumps", "fans"), all.stream().map(Experiment::name).toList(), "one each, in the order made");
            assertTrue(all.get(0).id() < all.get(1).id());
            assertNotNull(all.get(0).createdAt());
            try (TrackingStore second = open(dir)) {
                assertEquals(all, second.experiments(), "ids are the store's, the same from every handle");
            }
        }
    }

    @Test
    void metricBoundsFilterInTheStoreRunningOrFinishedAndCountTheSame() {
        try (TrackingStore store = open(dir)) {
            SessionRecord s = store.startSession(plan("e", DeviceIdType.TEXT));
            List<TrainOutcome> runs = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                runs.add(i % 5 == 0 ? failed("d" + (char) ('a' + i)) : ok("d" + (char) ('a' + i), i));
            }
            store.recordDevices(s.id(), runs);
            DeviceQuery.MetricBound low = new DeviceQuery.MetricBound(DeviceQuery.Metric.MSE, DeviceQuery.Comparison.LT, 4);
            DeviceQuery.MetricBound r2 = new DeviceQuery.MetricBound(DeviceQuery.Metric.R2, DeviceQuery.Comparison.GE, 0.8);
            DeviceQuery q = DeviceQuery.ALL.bounded(low);
            assertEquals(List.of("db", "dc", "dd"), ids(store.devices(s.id(), q)), "mse < 4; failed devices have no MSE and meet no bound");
            assertEquals(3, store.countDevices(s.id(), q));
            assertEquals(List.of("dd", "dc", "db"), ids(store.devices(s.id(), q.sorted(DeviceQuery.Sort.MSE))));
            DeviceQuery both = DeviceQuery.ALL.bounded(r2).bounded(new DeviceQuery.MetricBound(DeviceQuery.Metric.N_USED, DeviceQuery.Comparison.EQ, 80));
            List<String> expected = runs.stream().filter(o -> both.bounds().stream().allMatch(b -> b.test(o))).map(TrainOutcome::deviceId).toList();
            assertEquals(List.of("db", "dc"), expected, "r2 = 1 - mse/10 >= 0.8: mse <= 2");
            assertEquals(expected, ids(store.devices(s.id(), both)), "the store's SQL and the bound's own test agree");
            List<DeviceQuery> queries = List.of(q.sorted(DeviceQuery.Sort.MSE).page(2, 1), q.sorted(DeviceQuery.Sort.R2), both,
                    DeviceQuery.ALL.bounded(new DeviceQuery.MetricBound(DeviceQuery.Metric.MSE, DeviceQuery.Comparison.GT, 10)).sorted(DeviceQuery.Sort.MSE).page(3, 2));
            List<List<String>> running = queries.stream().map(x -> ids(store.devices(s.id(), x))).toList();
            store.finishSession(s.id(), SessionStatus.FINISHED, summary(16, 4), 20, null);
            for (int i = 0; i < queries.size(); i++) {
                assertEquals(running.get(i), ids(store.devices(s.id(), queries.get(i))), "finished, from its ranks: " + queries.get(i));
            }
            assertEquals(3, store.countDevices(s.id(), q), "a finished session counts bounded queries, not its totals");
            assertEquals(List.of("dr", "dq", "do"), running.get(3), "mse > 10, worst first, from the third");
        }
    }

    @Test
    void aDevicesHistoryIsItsRunsAcrossSessionsNewestFirstWhateverTheIdType() throws InterruptedException {
        try (TrackingStore store = open(dir)) {
            SessionRecord text = store.startSession(plan("e", DeviceIdType.TEXT));
            store.recordDevices(text.id(), List.of(ok("7", 1), ok("8", 2)));
            store.finishSession(text.id(), SessionStatus.FINISHED, summary(2, 0), 2, null);
            Thread.sleep(5);
            SessionRecord integer = store.startSession(plan("f", DeviceIdType.INTEGER));
            store.recordDevices(integer.id(), List.of(failed("7"), ok("70", 3)));
            Thread.sleep(5);
            SessionRecord other = store.startSession(plan("e", DeviceIdType.TEXT));
            store.recordDevices(other.id(), List.of(ok("x7", 1)));

            List<DeviceRun> history = store.deviceHistory("7", 0);
            assertEquals(List.of(integer.id(), text.id()), history.stream().map(DeviceRun::sessionId).toList());
            assertEquals(Status.FAILED, history.get(0).outcome().status());
            assertEquals("f", history.get(0).experiment());
            assertEquals(SessionStatus.RUNNING, history.get(0).sessionStatus());
            assertEquals(ok("7", 1), history.get(1).outcome());
            assertEquals(integer.startedAt(), history.get(0).startedAt());
            assertEquals(1, store.deviceHistory("7", 1).size());
            assertEquals(List.of(), store.deviceHistory("007", 0), "an integer session's 7 is not 007");
            assertEquals(List.of(), store.deviceHistory("' OR 1=1 --", 0));
            assertEquals(List.of(other.id()), store.deviceHistory("x7", 0).stream().map(DeviceRun::sessionId).toList());
        }
    }

    @Test
    void recordingADeviceAgainReplacesItsRun() {
        try (TrackingStore store = open(dir)) {
            SessionRecord s = store.startSession(plan("e", DeviceIdType.TEXT));
            store.recordDevices(s.id(), List.of(ok("a", 1)));
            store.recordDevices(s.id(), List.of(ok("a", 5)));
            assertEquals(1, store.countDevices(s.id(), DeviceQuery.ALL));
            assertEquals(5, store.device(s.id(), "a").orElseThrow().holdout().mse());
        }
    }

    @Test
    void latestIsTheNewestFinishedSessionWithAModelInTheExperiment() throws InterruptedException {
        try (TrackingStore store = open(dir)) {
            SessionRecord first = store.startSession(plan("a", DeviceIdType.TEXT));
            store.finishSession(first.id(), SessionStatus.FINISHED, summary(1, 0), 1, null);
            Thread.sleep(5);
            SessionRecord second = store.startSession(plan("b", DeviceIdType.TEXT));
            store.finishSession(second.id(), SessionStatus.FINISHED, summary(2, 0), 2, null);
            Thread.sleep(5);
            SessionRecord allFailed = store.startSession(plan("b", DeviceIdType.TEXT));
            store.finishSession(allFailed.id(), SessionStatus.FINISHED, summary(0, 3), 3, null);
            Thread.sleep(5);
            SessionRecord failed = store.startSession(plan("b", DeviceIdType.TEXT));
            store.finishSession(failed.id(), SessionStatus.FAILED, null, 0, "boom");
            Thread.sleep(5);
            store.startSession(plan("b", DeviceIdType.TEXT)); // still running

            assertEquals(second.id(), store.latest(null).orElseThrow().id(), "not the one where every device failed");
            assertEquals(first.id(), store.latest("a").orElseThrow().id());
            assertTrue(store.latest("none").isEmpty());
            assertEquals(5, store.sessions(null).size());
            assertEquals(List.of(first.id()), store.sessions("a").stream().map(SessionRecord::id).toList());
            assertEquals("boom", store.session(failed.id()).orElseThrow().error());
            assertTrue(store.session("nope").isEmpty());
        }
    }

    @Test
    void aSecondHandleSeesCommittedRunsWhileTheSessionRuns() {
        try (TrackingStore writer = open(dir); TrackingStore reader = open(dir)) {
            SessionRecord s = writer.startSession(plan("e", DeviceIdType.TEXT));
            writer.recordDevices(s.id(), List.of(ok("a", 1)));
            assertEquals(SessionStatus.RUNNING, reader.session(s.id()).orElseThrow().status());
            assertEquals(1, reader.countDevices(s.id(), DeviceQuery.ALL));
            writer.recordDevices(s.id(), List.of(ok("b", 1)));
            assertEquals(2, reader.countDevices(s.id(), DeviceQuery.ALL));
        }
    }

    @Test
    void aRunningSessionCannotBeResumedOrDeletedAFinishedOneCannotBeResumed() {
        try (TrackingStore store = open(dir)) {
            SessionRecord running = store.startSession(plan("e", DeviceIdType.TEXT));
            StoreException e = assertThrows(StoreException.class, () -> store.resumeSession(running.id()));
            assertEquals(StoreException.Kind.CONFLICT, e.kind());
            e = assertThrows(StoreException.class, () -> store.deleteSessions(List.of(running.id())));
            assertEquals(StoreException.Kind.CONFLICT, e.kind());
            store.finishSession(running.id(), SessionStatus.FINISHED, summary(0, 0), 0, null);
            e = assertThrows(StoreException.class, () -> store.resumeSession(running.id()));
            assertEquals(StoreException.Kind.CONFLICT, e.kind());
            assertTrue(e.getMessage().contains("fleetml retrain"), e.getMessage());
            e = assertThrows(StoreException.class, () -> store.deleteSessions(List.of(running.id(), "nope")));
            assertEquals(StoreException.Kind.NOT_FOUND, e.kind());
            assertTrue(store.session(running.id()).isPresent(), "nothing deleted when one is missing");
        }
    }

    @Test
    void aFailedSessionResumesUnderThisProcess() {
        try (TrackingStore store = open(dir)) {
            SessionRecord s = store.startSession(plan("e", DeviceIdType.TEXT));
            store.finishSession(s.id(), SessionStatus.FAILED, null, 0, "disk full");
            SessionRecord resumed = store.resumeSession(s.id());
            assertEquals(SessionStatus.RUNNING, resumed.status());
            assertNull(resumed.error());
            assertNull(resumed.endedAt());
        }
    }

    @Test
    void aRetrainingInheritsTheRunsItDidNotTrainAndKeepsModelsThatFailedToRetrain() {
        try (TrackingStore store = open(dir)) {
            SessionRecord parent = store.startSession(plan("e", DeviceIdType.TEXT));
            store.recordDevices(parent.id(), List.of(ok("a", 1), ok("b", 2), failed("c"), ok("d", 4)));
            store.finishSession(parent.id(), SessionStatus.FINISHED, summary(3, 1), 4, null);
            SessionPlan child = new SessionPlan(spec("e"), "d", null, 10, 2, DeviceIdType.TEXT, artifactRoot(dir), parent.id(),
                    new DeviceSelection(Set.of(Status.FAILED), List.of("b", "d")), "local");
            SessionRecord s = store.startSession(child);
            assertEquals(parent.id(), s.parent());
            assertEquals(Set.of(Status.FAILED), s.selection().statuses());
            TrainOutcome newC = ok("c", 3).withModelUri(artifactRoot(dir) + "s2/part-00000.zip!/c/");
            store.recordDevices(s.id(), List.of(newC, ok("b", 0.5), failed("d")));
            assertEquals(2, store.inheritRuns(s.id(), parent.id()), "a carried over, d kept its model");

            List<TrainOutcome> runs = store.devices(s.id(), DeviceQuery.ALL);
            assertEquals(List.of("a", "b", "c", "d"), ids(runs));
            assertEquals(parent.id(), runs.get(0).trainedIn());
            assertEquals(ok("a", 1).modelUri(), runs.get(0).modelUri(), "the same model, not a copy");
            assertNull(runs.get(1).trainedIn(), "retrained here");
            assertEquals(newC.modelUri(), runs.get(2).modelUri());
            TrainOutcome d = runs.get(3);
            assertEquals(Status.OK, d.status());
            assertEquals(parent.id(), d.trainedIn());
            assertTrue(d.error().contains("retraining failed (too few rows); kept the model of " + parent.id()), d.error());

            // a grandchild inherits from the session that trained each model, not from its parent
            SessionRecord grandchild = store.startSession(new SessionPlan(spec("e"), "d", null, 1, 1, DeviceIdType.TEXT, artifactRoot(dir),
                    s.id(), new DeviceSelection(Set.of(), List.of("c")), "local"));
            store.inheritRuns(grandchild.id(), s.id());
            assertEquals(parent.id(), store.device(grandchild.id(), "a").orElseThrow().trainedIn());
            assertEquals(s.id(), store.device(grandchild.id(), "c").orElseThrow().trainedIn());
        }
    }

    @Test
    void deletingSessionsFreesThePacksNoRemainingSessionUses() {
        try (TrackingStore store = open(dir)) {
            String root = artifactRoot(dir);
            SessionRecord parent = store.startSession(plan("e", DeviceIdType.TEXT));
            store.recordDevices(parent.id(), List.of(ok("a", 1).withModelUri(root + parent.id() + "/part-00000.zip!/a/"),
                    ok("b", 1).withModelUri(root + parent.id() + "/part-00001.zip!/b/")));
            store.finishSession(parent.id(), SessionStatus.FINISHED, summary(2, 0), 2, null);
            SessionRecord child = store.startSession(new SessionPlan(spec("e"), "d", null, 1, 1, DeviceIdType.TEXT, root, parent.id(),
                    new DeviceSelection(Set.of(), List.of("b")), "local"));
            store.recordDevices(child.id(), List.of(ok("b", 1).withModelUri(root + child.id() + "/part-00000.zip!/b/")));
            store.inheritRuns(child.id(), parent.id());
            store.finishSession(child.id(), SessionStatus.FINISHED, summary(2, 0), 2, null);

            assertEquals(List.of(root + parent.id() + "/part-00001.zip"), store.deleteSessions(List.of(parent.id())),
                    "a's pack stays: the child inherits it");
            assertTrue(store.session(parent.id()).isEmpty());
            assertEquals(0, store.countDevices(parent.id(), DeviceQuery.ALL));
            assertEquals(2, store.countDevices(child.id(), DeviceQuery.ALL), "the child is whole");
            assertEquals(Set.of(root + child.id() + "/part-00000.zip", root + parent.id() + "/part-00000.zip"),
                    Set.copyOf(store.deleteSessions(List.of(child.id()))), "now nothing uses a's pack");
        }
    }

    // ---- the registry kept in the store ----

    /** A finished session with runs, ready to register. */
    private SessionRecord finished(TrackingStore store, String parent) {
        SessionPlan p = parent == null ? plan("e", DeviceIdType.TEXT) : new SessionPlan(spec("e"), "d", null, 10, 1, DeviceIdType.TEXT,
                artifactRoot(dir), parent, new DeviceSelection(Set.of(Status.FAILED), List.of()), "local");
        SessionRecord s = store.startSession(p);
        store.recordDevices(s.id(), List.of(ok("a", 1), ok("b", 2)));
        store.finishSession(s.id(), SessionStatus.FINISHED, summary(2, 0), 2, null);
        return store.session(s.id()).orElseThrow();
    }

    @Test
    void registeringNumbersVersionsAndAliasesMoveBetweenThem() {
        try (TrackingStore store = open(dir)) {
            ModelRegistry registry = store.registry();
            assertEquals(List.of(), registry.models());
            SessionRecord first = finished(store, null);
            SessionRecord second = finished(store, first.id());
            ModelVersion v1 = registry.register("pumps", first.id(), "champion", "first fleet", "ana");
            assertEquals(1, v1.version());
            assertEquals(List.of("champion"), v1.aliases());
            assertEquals("ana", v1.createdBy());
            ModelVersion v2 = registry.register("pumps", second.id(), null, null, null);
            assertEquals(2, v2.version());
            assertEquals(List.of(second.id(), first.id()), v2.lineage(), "the session and the one it was retrained from");
            assertEquals(1, registry.version(ModelName.parse("pumps@champion")).version());
            assertEquals(2, registry.version(ModelName.parse("pumps")).version(), "a bare name is the latest version");
            assertEquals(first.id(), registry.version(ModelName.parse("pumps/1")).sessionId());

            registry.setAlias("pumps", "champion", 2);
            registry.setAlias("pumps", "challenger", 1);
            assertEquals(2, registry.version(ModelName.parse("pumps@champion")).version(), "moved");
            RegisteredModel m = registry.model("pumps");
            assertEquals(java.util.Map.of("champion", 2, "challenger", 1), m.aliases());
            assertEquals(List.of(1, 2), m.versions().stream().map(ModelVersion::version).toList());
            assertEquals(List.of("champion"), m.versions().get(1).aliases());
            registry.deleteAlias("pumps", "challenger");
            assertEquals(java.util.Map.of("champion", 2), registry.model("pumps").aliases());
            assertEquals(List.of(v2.ref()), registry.versionsOf(second.id()).stream().map(ModelVersion::ref).toList());

            try (TrackingStore other = open(dir)) {
                assertEquals(2, other.registry().version(ModelName.parse("pumps@champion")).version(), "another handle sees the move");
                other.registry().setAlias("pumps", "champion", 1);
                assertEquals(1, registry.version(ModelName.parse("pumps@champion")).version(), "and this one sees the other's move");
                other.registry().deleteAlias("pumps", "champion");
                assertThrows(StoreException.class, () -> registry.version(ModelName.parse("pumps@champion")), "and its deletion");
                registry.setAlias("pumps", "champion", 2);
                assertEquals(2, other.registry().version(ModelName.parse("pumps@champion")).version());
            }
        }
    }

    @Test
    void theRegistryRefusesWhatItCannotDoWithTheKindAndTheName() {
        try (TrackingStore store = open(dir)) {
            ModelRegistry registry = store.registry();
            SessionRecord done = finished(store, null);
            SessionRecord running = store.startSession(plan("e", DeviceIdType.TEXT));
            assertEquals(StoreException.Kind.NOT_FOUND, assertThrows(StoreException.class,
                    () -> registry.register("pumps", "nope", null, null, null)).kind());
            StoreException busy = assertThrows(StoreException.class, () -> registry.register("pumps", running.id(), null, null, null));
            assertEquals(StoreException.Kind.CONFLICT, busy.kind());
            assertTrue(busy.getMessage().contains("RUNNING, not FINISHED"), busy.getMessage());
            assertEquals(List.of(), registry.models(), "nothing registered by a refused call");

            registry.register("pumps", done.id(), null, null, null);
            for (String ref : new String[] {"pumps/2", "pumps@champion", "valves", "valves@x"}) {
                StoreException e = assertThrows(StoreException.class, () -> registry.version(ModelName.parse(ref)), ref);
                assertEquals(StoreException.Kind.NOT_FOUND, e.kind(), ref);
            }
            assertEquals(StoreException.Kind.NOT_FOUND, assertThrows(StoreException.class, () -> registry.setAlias("pumps", "a", 5)).kind());
            assertEquals(StoreException.Kind.NOT_FOUND, assertThrows(StoreException.class, () -> registry.deleteAlias("pumps", "a")).kind());
            for (String hostile : new String[] {"../x", "a/b", "", ".hidden", "a b", "x".repeat(101), "é"}) {
                assertThrows(io.fleetml.data.FleetInputException.class, () -> registry.register(hostile, done.id(), null, null, null), hostile);
                assertThrows(io.fleetml.data.FleetInputException.class, () -> registry.register("pumps", done.id(), hostile, null, null), hostile);
            }

            StoreException kept = assertThrows(StoreException.class, () -> store.deleteSessions(List.of(done.id())));
            assertEquals(StoreException.Kind.CONFLICT, kept.kind());
            assertTrue(kept.getMessage().contains("registered as pumps/1"), kept.getMessage());
            assertTrue(store.session(done.id()).isPresent(), "not deleted");
        }
    }
}
