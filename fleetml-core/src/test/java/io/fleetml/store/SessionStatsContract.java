package io.fleetml.store;

import io.fleetml.data.DeviceIdType;
import io.fleetml.stats.Failures;
import io.fleetml.stats.Histogram;
import io.fleetml.stats.HoldoutMetric;
import io.fleetml.stats.Scatter;
import io.fleetml.stats.SessionComparison;
import io.fleetml.stats.SessionCounts;
import io.fleetml.train.Metrics;
import io.fleetml.train.TrainOutcome;
import io.fleetml.train.TrainOutcome.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every {@link io.fleetml.stats.SessionStats} must answer, checked against the same sums done by hand. */
abstract class SessionStatsContract {
    @TempDir
    Path dir;

    abstract TrackingStore open(Path dir);

    private SessionRecord start(TrackingStore store, long devices) {
        return store.startSession(new SessionPlan(TrackingStoreContract.spec("stats"), "data.csv", null, devices * 100, devices,
                DeviceIdType.TEXT, dir.resolve("artifacts").toUri().toString(), null, null, "local"));
    }

    private static TrainOutcome run(String device, int nUsed, double mse, double r2) {
        return new TrainOutcome(device, Status.OK, nUsed + 20, nUsed, 20, 0, new Metrics(mse, Math.sqrt(mse), mse / 2, r2), mse, null, null, 1, null);
    }

    /** 1,000 devices with MSEs spread over four orders of magnitude, one with a zero MSE, and a few without metrics. */
    private static List<TrainOutcome> fleet(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<TrainOutcome> runs = new ArrayList<>();
        for (int d = 0; d < 1000; d++) {
            double mse = d == 0 ? 0 : Math.pow(10, r.nextDouble(-2, 2));
            runs.add(run(String.format("d%04d", d), 10 + r.nextInt(5000), mse, 1 - mse / 50));
        }
        runs.add(TrainOutcome.failed("f1", 3, 0, "only 3 rows (min_rows 10)", 0.1));
        runs.add(TrainOutcome.failed("f2", 5, 0, "only 5 rows (min_rows 10)", 0.1));
        runs.add(TrainOutcome.failed("f3", 4, 0, "only 4 rows (min_rows 10)", 0.1));
        runs.add(TrainOutcome.failed("f4", 40, 0, "the model is not finite: its training error is NaN", 0.1));
        return runs;
    }

    @Test
    void histogramCountsEveryDeviceOnceAndTheSameWhileRunningAsFinished() {
        try (TrackingStore store = open(dir)) {
            SessionRecord s = start(store, 1004);
            List<TrainOutcome> runs = fleet(1);
            store.recordDevices(s.id(), runs);
            for (HoldoutMetric m : HoldoutMetric.values()) {
                Histogram running = store.stats().histogram(s.id(), m, 25);
                assertEquals(1000, running.devices(), m.name());
                assertEquals(4, running.missing());
                assertEquals(1000, Arrays.stream(running.counts()).sum() + running.below() + running.above(), "each device in one bin or beyond");
                assertEquals(m == HoldoutMetric.MSE, running.bins().log(), "MSE is binned on a log scale");
                // the 1st..99th percentile: about 1% beyond each end, never most
                assertTrue(running.below() >= 9 && running.below() <= 12, "below: " + running.below());
                assertTrue(running.above() >= 9 && running.above() <= 12, "above: " + running.above());
                double[] values = runs.stream().filter(o -> o.status() == Status.OK).mapToDouble(o -> m == HoldoutMetric.MSE ? o.holdout().mse() : o.holdout().r2()).toArray();
                assertEquals(Arrays.stream(values).min().orElseThrow(), running.min(), 1e-12);
                assertEquals(Arrays.stream(values).max().orElseThrow(), running.max(), 1e-12);
                long inFirst = Arrays.stream(values).filter(v -> v >= running.bins().edges()[0] && v < running.bins().edges()[1]).count();
                assertEquals(inFirst, running.counts()[0], "the first bin holds the values between its edges");
            }
            store.finishSession(s.id(), SessionStatus.FINISHED, TrackingStoreContract.summary(1000, 4), 1004, null);
            for (HoldoutMetric m : HoldoutMetric.values()) {
                // a finished session's percentiles come from its ranks: the same bins as the scan
                SessionRecord fresh = start(store, 1004);
                store.recordDevices(fresh.id(), runs);
                Histogram scanned = store.stats().histogram(fresh.id(), m, 25);
                Histogram ranked = store.stats().histogram(s.id(), m, 25);
                assertArrayEquals(scanned.bins().edges(), ranked.bins().edges(), m.name());
                assertArrayEquals(scanned.counts(), ranked.counts());
                assertEquals(scanned.below(), ranked.below());
                assertEquals(scanned.devices(), ranked.devices());
                assertEquals(scanned.min(), ranked.min());
                assertEquals(scanned.max(), ranked.max());
            }
        }
    }

    @Test
    void scatterPutsEveryDeviceInOneCellAndNamesTheWorst() {
        try (TrackingStore store = open(dir)) {
            SessionRecord s = start(store, 1004);
            store.recordDevices(s.id(), fleet(2));
            Scatter sc = store.stats().scatter(s.id(), HoldoutMetric.R2, 30, 20, 5);
            store.finishSession(s.id(), SessionStatus.FINISHED, TrackingStoreContract.summary(1000, 4), 1004, null);
            Scatter ranked = store.stats().scatter(s.id(), HoldoutMetric.R2, 30, 20, 5);
            assertEquals(sc.cells().stream().collect(java.util.stream.Collectors.toSet()), ranked.cells().stream().collect(java.util.stream.Collectors.toSet()));
            assertEquals(sc.worst(), ranked.worst(), "the worst from ranks, as sorted");
            assertEquals(1000, sc.devices());
            assertEquals(1000, sc.cells().stream().mapToLong(Scatter.Cell::count).sum());
            assertTrue(sc.x().log(), "training rows on a log scale");
            assertTrue(sc.cells().stream().allMatch(c -> c.x() >= 0 && c.x() < 30 && c.y() >= 0 && c.y() < 20));
            assertEquals(5, sc.worst().size());
            List<TrainOutcome> byR2 = fleet(2).stream().filter(o -> o.status() == Status.OK)
                    .sorted((x, y) -> Double.compare(x.holdout().r2(), y.holdout().r2())).toList();
            assertEquals(byR2.get(0).deviceId(), sc.worst().get(0).deviceId(), "lowest R² first");
            assertEquals(byR2.get(0).nUsed(), sc.worst().get(0).nUsed());
        }
    }

    @Test
    void failuresGroupByReasonWithTheirNumbersAside() {
        try (TrackingStore store = open(dir)) {
            SessionRecord s = start(store, 1004);
            store.recordDevices(s.id(), fleet(3));
            Failures f = store.stats().failures(s.id(), 10, 2);
            assertEquals(4, f.failed());
            assertEquals(0, f.skipped());
            assertEquals(2, f.groups().size());
            Failures.Group rows = f.groups().get(0);
            assertEquals("only # rows (min_rows #)", rows.reason());
            assertEquals(3, rows.count());
            assertEquals(List.of("f1", "f2"), rows.examples(), "the first few by device id");
            assertEquals("only 3 rows (min_rows 10)", rows.exampleError());
            assertEquals(0, f.other());
            Failures top = store.stats().failures(s.id(), 1, 2);
            assertEquals(1, top.groups().size());
            assertEquals(1, top.other(), "the device of the group not listed");
        }
    }

    @Test
    void countsByStatusAndRecordedSoFar() {
        try (TrackingStore store = open(dir)) {
            SessionRecord s = start(store, 2000);
            store.recordDevices(s.id(), fleet(4));
            SessionCounts c = store.stats().counts(s.id(), 2000, false);
            assertEquals(Map.of(Status.OK, 1000L, Status.FAILED, 4L, Status.SKIPPED, 0L), c.statuses());
            assertEquals(1004, c.recorded());
            assertEquals(2000, c.expected());
            assertNull(c.chosen(), "no fleet models, no choice");
            store.finishSession(s.id(), SessionStatus.FINISHED, TrackingStoreContract.summary(1000, 4), 1004, null);
            assertEquals(c.statuses(), store.stats().counts(s.id(), 1004, false).statuses(), "a finished session's counts, as recorded");
            assertEquals(Map.of("none", 1004L), store.stats().counts(s.id(), 1004, true).chosen(), "counted when asked for");
        }
    }

    @Test
    void comparisonFindsTheDevicesMadeWorseAddedAndLost() {
        try (TrackingStore store = open(dir)) {
            SessionRecord a = start(store, 1004);
            List<TrainOutcome> before = fleet(5);
            store.recordDevices(a.id(), before);
            store.finishSession(a.id(), SessionStatus.FINISHED, TrackingStoreContract.summary(1000, 4), 1004, null);
            SessionRecord b = start(store, 1004);
            List<TrainOutcome> after = new ArrayList<>();
            for (TrainOutcome o : before) {
                switch (o.deviceId()) {
                    case "d0100" -> after.add(run("d0100", o.nUsed(), o.holdout().mse() * 50, o.holdout().r2() - 0.5)); // much worse
                    case "d0200" -> after.add(run("d0200", o.nUsed(), o.holdout().mse() * 2, o.holdout().r2() - 0.1)); // worse
                    case "d0300" -> after.add(run("d0300", o.nUsed(), o.holdout().mse() / 2, o.holdout().r2() + 0.01)); // better
                    case "d0400" -> { } // lost
                    default -> after.add(o);
                }
            }
            after.add(run("new", 100, 1, 0.5));
            store.recordDevices(b.id(), after);
            for (HoldoutMetric m : HoldoutMetric.values()) {
                SessionComparison c = store.stats().compare(a.id(), b.id(), m, 20);
                assertEquals(1003, c.common(), m.name());
                assertEquals(1, c.added());
                assertEquals(1, c.lost());
                assertEquals(999, c.compared());
                assertEquals(2, c.worse());
                assertEquals(1, c.better());
                assertEquals(999, c.cells().stream().mapToLong(Scatter.Cell::count).sum());
                List<SessionComparison.DeviceChange> worse = store.stats().worse(a.id(), b.id(), m, 10, 0);
                assertEquals(List.of("d0100", "d0200"), worse.stream().map(SessionComparison.DeviceChange::deviceId).toList(), "most worse first");
                assertEquals(m == HoldoutMetric.MSE ? 50 : -0.5, worse.get(0).change(), 1e-9);
                assertEquals(List.of("d0200"), store.stats().worse(a.id(), b.id(), m, 10, 1).stream().map(SessionComparison.DeviceChange::deviceId).toList());
            }
            assertEquals(List.of("new"), store.stats().onlyIn(b.id(), a.id(), 10, 0));
            assertEquals(List.of("d0400"), store.stats().onlyIn(a.id(), b.id(), 10, 0));
        }
    }

    @Test
    void answersComeSideBySideAndAreKeptOnlyWhileTheFinishedSessionExists() throws Exception {
        try (TrackingStore store = open(dir)) {
            SessionRecord s = start(store, 1004);
            store.recordDevices(s.id(), fleet(6));
            store.finishSession(s.id(), SessionStatus.FINISHED, TrackingStoreContract.summary(1000, 4), 1004, null);
            Histogram first = store.stats().histogram(s.id(), HoldoutMetric.MSE, 20);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                List<java.util.concurrent.Future<Histogram>> all = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    int bins = 20 + i % 2;
                    all.add(pool.submit(() -> store.stats().histogram(s.id(), HoldoutMetric.MSE, bins)));
                }
                for (int i = 0; i < all.size(); i++) {
                    Histogram h = all.get(i).get();
                    assertEquals(1000, Arrays.stream(h.counts()).sum() + h.below() + h.above());
                    if (i % 2 == 0) {
                        assertArrayEquals(first.counts(), h.counts());
                    }
                }
            } finally {
                pool.shutdown();
            }
            store.deleteSessions(List.of(s.id()));
            assertEquals(0, store.stats().histogram(s.id(), HoldoutMetric.MSE, 20).devices(), "a deleted session's answers are not kept");
        }
    }
}
