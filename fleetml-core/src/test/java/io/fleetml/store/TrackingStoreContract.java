package io.fleetml.store;

import io.fleetml.data.DeviceIdType;
import io.fleetml.train.Metrics;
import io.fleetml.train.TrainOutcome;
import io.fleetml.train.TrainSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The contract every {@link TrackingStore} meets; each implementation's test extends this. */
abstract class TrackingStoreContract {
    @TempDir
    Path dir;

    /** Opens the store kept in {@code dir}; a second call opens a second handle on the same store. */
    abstract TrackingStore open(Path dir);

    static TrainSpec spec(String experiment) {
        return TrainSpec.builder("device", List.of("x1", "x2"), "y").algorithm("linear").param("alpha", 0.5)
                .timeColumn("t").experiment(experiment).build();
    }

    static TrainOutcome ok(String device, double mse) {
        return new TrainOutcome(device, TrainOutcome.Status.OK, 100, 80, 20, 0, new Metrics(mse, Math.sqrt(mse), mse / 2, 0.9),
                mse / 2, "file:///x/part-00000.zip!/" + device + "/", null, 1.5);
    }

    @Test
    void sessionRoundTripsWithItsSpecAndDeviceRuns() {
        try (TrackingStore store = open(dir)) {
            SessionRecord s = store.startSession(spec("e1"), "data.csv", 300, 3, DeviceIdType.INTEGER, "file:///x/");
            assertEquals(SessionRecord.RUNNING, s.status());
            store.recordDevices(s.id(), List.of(ok("b", 2), ok("a", 1)));
            store.recordDevices(s.id(), List.of(TrainOutcome.failed("c", 3, 0, "too few rows", 0.1)));
            SessionSummary summary = new SessionSummary(2, 1, 0, 160, 1.5, 2, 2, 0.9, 0.9,
                    List.of(new SessionSummary.WorstDevice("b", 2, 0.9)), 1.0);
            store.finishSession(s.id(), SessionRecord.FINISHED, summary, null);

            SessionRecord back = store.session(s.id()).orElseThrow();
            assertEquals(SessionRecord.FINISHED, back.status());
            assertEquals(spec("e1"), back.spec());
            assertEquals(summary, back.summary());
            assertEquals("e1", back.experiment());
            assertEquals(DeviceIdType.INTEGER, back.deviceIds());
            String text = store.startSession(spec("e1"), "d", 1, 1, DeviceIdType.TEXT, "r").id();
            assertEquals(DeviceIdType.TEXT, store.session(text).orElseThrow().deviceIds());
            assertNotNull(back.endedAt());
            List<TrainOutcome> devices = store.devices(s.id());
            assertEquals(List.of("a", "b", "c"), devices.stream().map(TrainOutcome::deviceId).toList());
            assertEquals(ok("a", 1), devices.get(0));
            assertEquals("too few rows", devices.get(2).error());
            assertTrue(Double.isNaN(devices.get(2).holdout().mse()));
            assertEquals(java.util.Map.of("a", ok("a", 1).modelUri(), "b", ok("b", 2).modelUri()), store.modelUris(s.id()),
                    "the devices that have a model");
        }
    }

    @Test
    void integerDeviceIdsListInNumberOrderAndTextInTextOrder() {
        try (TrackingStore store = open(dir)) {
            for (DeviceIdType type : DeviceIdType.values()) {
                SessionRecord s = store.startSession(spec("e"), "d", 3, 3, type, "r");
                store.recordDevices(s.id(), List.of(ok("10", 1), ok("9", 1), ok("100", 1)));
                assertEquals(type == DeviceIdType.INTEGER ? List.of("9", "10", "100") : List.of("10", "100", "9"),
                        store.devices(s.id()).stream().map(TrainOutcome::deviceId).toList(), type.name());
            }
        }
    }

    @Test
    void recordingADeviceAgainReplacesItsRun() {
        try (TrackingStore store = open(dir)) {
            SessionRecord s = store.startSession(spec("e"), "d", 1, 1, DeviceIdType.TEXT, "r");
            store.recordDevices(s.id(), List.of(ok("a", 1)));
            store.recordDevices(s.id(), List.of(ok("a", 5)));
            assertEquals(1, store.devices(s.id()).size());
            assertEquals(5, store.devices(s.id()).get(0).holdout().mse());
        }
    }

    @Test
    void latestIsTheNewestFinishedSessionAndListsFilterByExperiment() throws InterruptedException {
        try (TrackingStore store = open(dir)) {
            SessionRecord first = store.startSession(spec("a"), "d", 1, 1, DeviceIdType.TEXT, "r");
            store.finishSession(first.id(), SessionRecord.FINISHED, null, null);
            Thread.sleep(5);
            SessionRecord second = store.startSession(spec("b"), "d", 1, 1, DeviceIdType.TEXT, "r");
            store.finishSession(second.id(), SessionRecord.FINISHED, null, null);
            Thread.sleep(5);
            SessionRecord failed = store.startSession(spec("b"), "d", 1, 1, DeviceIdType.TEXT, "r");
            store.finishSession(failed.id(), SessionRecord.FAILED, null, "boom");
            Thread.sleep(5);
            store.startSession(spec("b"), "d", 1, 1, DeviceIdType.TEXT, "r"); // still running

            assertEquals(second.id(), store.session("latest").orElseThrow().id());
            assertEquals(4, store.sessions(null).size());
            assertEquals(List.of(first.id()), store.sessions("a").stream().map(SessionRecord::id).toList());
            assertEquals(3, store.sessions("b").size());
            assertEquals("boom", store.session(failed.id()).orElseThrow().error());
            assertTrue(store.session("nope").isEmpty());
            assertTrue(store.sessions("none").isEmpty());
        }
    }

    @Test
    void aSecondHandleSeesCommittedRunsWhileTheSessionRuns() {
        try (TrackingStore writer = open(dir); TrackingStore reader = open(dir)) {
            SessionRecord s = writer.startSession(spec("e"), "d", 2, 2, DeviceIdType.TEXT, "r");
            writer.recordDevices(s.id(), List.of(ok("a", 1)));
            assertEquals(SessionRecord.RUNNING, reader.session(s.id()).orElseThrow().status());
            assertEquals(1, reader.devices(s.id()).size());
            writer.recordDevices(s.id(), List.of(ok("b", 1)));
            assertEquals(2, reader.devices(s.id()).size());
        }
    }
}
