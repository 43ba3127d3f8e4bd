package io.fleetml.spark;

import io.fleetml.LibraryExampleTest.MeanModel;
import io.fleetml.data.DuckDbFleetSource;
import io.fleetml.data.FleetSource;
import io.fleetml.data.SyntheticFleet;
import io.fleetml.engine.LocalEngine;
import io.fleetml.engine.Progress;
import io.fleetml.engine.TrainReport;
import io.fleetml.model.Algorithm;
import io.fleetml.store.FleetStore;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.SqliteTrackingStore;
import io.fleetml.store.TrackingStore;
import io.fleetml.train.TrainOutcome;
import io.fleetml.train.TrainSpec;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/** SparkFleet on local[2] (with task retries allowed): train, score, parity with LocalEngine, failures. */
@Tag("slow")
class SparkFleetTest {
    static SparkSession spark;
    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2,3]").appName("fleetml-test")
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static final List<String> FEATURES = SyntheticFleet.FEATURES;

    private TrainSpec.Builder spec() {
        return TrainSpec.builder("device_id", FEATURES, "label").idColumn("record_id");
    }

    @Test
    void trainsAndScoresLikeTheLocalEngine() {
        Path data = dir.resolve("fleet.parquet");
        SyntheticFleet.write(data, 6, 500, 11);
        TrainSpec spec = spec().algorithm("gradient_boosting").param("n_estimators", 20).build();

        Map<String, TrainOutcome> local;
        try (FleetSource source = DuckDbFleetSource.open(data.toString()); FleetStore store = FleetStore.open(dir.resolve("local"))) {
            TrainReport r = new LocalEngine(2).train(source, spec, store, Progress.NONE);
            local = store.tracking().devices(r.session().id()).stream().collect(Collectors.toMap(TrainOutcome::deviceId, Function.identity()));
        }
        try (TrackingStore tracking = SqliteTrackingStore.open(dir.resolve("spark/fleetml.db"))) {
            SparkFleet fleet = new SparkFleet(tracking, dir.resolve("artifacts").toUri().toString());
            Dataset<Row> df = spark.read().parquet(data.toString());
            Dataset<Row> trained = fleet.train(df, spec);
            assertEquals(DataTypes.LongType, trained.schema().apply("device_id").dataType(), "integer device ids stay integers");
            List<Row> results = trained.collectAsList();
            assertEquals(6, results.size());
            SessionRecord session = fleet.lastSession();
            assertEquals(SessionRecord.FINISHED, session.status());
            List<TrainOutcome> tracked = tracking.devices(session.id());
            assertEquals(6, tracked.size());
            for (TrainOutcome s : tracked) {
                TrainOutcome l = local.get(s.deviceId());
                assertEquals(l.status(), s.status());
                assertEquals(l.nUsed(), s.nUsed());
                assertEquals(l.nTest(), s.nTest());
                assertEquals(l.holdout().mse(), s.holdout().mse(), l.holdout().mse() * 1e-6, "device " + s.deviceId());
                assertTrue(Files.exists(Path.of(java.net.URI.create(s.modelUri())).resolve("model.ubj")));
            }

            Dataset<Row> predictions = fleet.score(df, session);
            assertEquals(List.of("record_id", "device_id", "prediction", "model"), Arrays.asList(predictions.columns()));
            List<Row> p = predictions.orderBy("record_id").collectAsList();
            assertEquals(3000, p.size());
            assertEquals(0L, p.get(0).getLong(0));
            assertEquals(0L, p.get(0).getLong(1));
            assertEquals("device/" + session.id(), p.get(0).getString(3));
            double label = df.where("record_id = 0").first().getDouble(5);
            assertEquals(label, p.get(0).getDouble(2), 1.0);

            Dataset<Row> byName = fleet.score(df.withColumn("device_id", df.col("device_id").cast("string")), session);
            assertEquals(DataTypes.StringType, byName.schema().apply("device_id").dataType(), "text device ids stay text");
            Row named = byName.where("record_id = 0").first();
            assertEquals("0", named.getString(1));
            assertEquals(p.get(0).getDouble(2), named.getDouble(2), "the same model answers");
        }
    }

    /** Fails a device's task on its first attempt only, the way a lost executor would. */
    static final class FirstAttemptCrash extends Error {
        FirstAttemptCrash() {
            super("simulated executor failure on the first attempt");
        }
    }

    @Test
    void retriedTasksRecordEachDeviceOnceAndAThrowingTrainerFailsOnlyItsDevice() {
        Path data = dir.resolve("fleet.parquet");
        SyntheticFleet.write(data, 8, 50, 5);
        Algorithm flaky = Algorithm.custom("flaky_mean", frame -> {
            if (frame.deviceId().equals("3")) {
                throw new IllegalStateException("sensor 3 is broken");
            }
            if (TaskContext.get() != null && TaskContext.get().attemptNumber() == 0) {
                throw new FirstAttemptCrash();
            }
            return new MeanModel(Arrays.stream(frame.label()).average().orElseThrow());
        }, a -> new MeanModel(ByteBuffer.wrap(a.bytes()).getDouble()));
        try (TrackingStore tracking = SqliteTrackingStore.open(dir.resolve("spark/fleetml.db"))) {
            SparkFleet fleet = new SparkFleet(tracking, dir.resolve("artifacts").toUri().toString());
            List<Row> results = fleet.train(spark.read().parquet(data.toString()), spec().algorithm(flaky).build()).collectAsList();
            assertEquals(8, results.size(), "one row per device despite retries");
            List<TrainOutcome> runs = tracking.devices(fleet.lastSession().id());
            assertEquals(8, runs.size(), "exactly one run per device");
            for (TrainOutcome o : runs) {
                if (o.deviceId().equals("3")) {
                    assertEquals(TrainOutcome.Status.FAILED, o.status());
                    assertTrue(o.error().contains("sensor 3 is broken"), o.error());
                } else {
                    assertEquals(TrainOutcome.Status.OK, o.status(), o.toString());
                }
            }
            Path models = dir.resolve("artifacts").resolve(fleet.lastSession().id());
            try (var files = Files.walk(models)) {
                assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temporary files left");
            }
            double predicted = fleet.score(spark.read().parquet(data.toString()), fleet.lastSession()).where("device_id = 1").first().getDouble(2);
            assertEquals(runs.get(1).deviceId(), "1");
            assertTrue(predicted > 2 && predicted < 5, "mean label of device 1: " + predicted);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theRealTwelveStationFleetMatchesTheLocalEngine() {
        Path beijing = io.fleetml.TestFleets.beijing();
        TrainSpec spec = TrainSpec.builder("station", List.of("TEMP", "PRES", "DEWP", "RAIN", "WSPM"), "PM2.5").algorithm("gradient_boosting")
                .timeColumns(List.of("year", "month", "day", "hour")).idColumn("No").build();
        Map<String, TrainOutcome> local;
        try (FleetSource source = DuckDbFleetSource.open(beijing + "/*.csv.gz"); FleetStore store = FleetStore.open(dir.resolve("local"))) {
            TrainReport r = new LocalEngine().train(source, spec, store, Progress.NONE);
            local = store.tracking().devices(r.session().id()).stream().collect(Collectors.toMap(TrainOutcome::deviceId, Function.identity()));
        }
        Dataset<Row> df = spark.read().option("header", "true").option("inferSchema", "true").option("nullValue", "NA")
                .csv(beijing + "/*.csv.gz");
        try (TrackingStore tracking = SqliteTrackingStore.open(dir.resolve("spark/fleetml.db"))) {
            SparkFleet fleet = new SparkFleet(tracking, dir.resolve("artifacts").toUri().toString());
            fleet.train(df, spec);
            List<TrainOutcome> runs = tracking.devices(fleet.lastSession().id());
            assertEquals(12, runs.size());
            for (TrainOutcome s : runs) {
                TrainOutcome l = local.get(s.deviceId());
                assertEquals(TrainOutcome.Status.OK, s.status());
                assertEquals(l.nDropped(), s.nDropped(), s.deviceId() + ": the same NA rows dropped");
                assertEquals(l.nUsed(), s.nUsed());
                assertEquals(l.holdout().mse(), s.holdout().mse(), l.holdout().mse() * 1e-4, s.deviceId());
            }
        }
    }

    @Test
    void aDeviceMuchLargerThanTheOthersStillTrains() {
        // device 0 gets 40,000 rows, devices 1..20 get 30 each
        Dataset<Row> big = spark.range(40_000).selectExpr("id AS record_id", "0 AS device_id", "rand(1) AS feature_1",
                "rand(2) * 2 AS feature_2", "rand(3) * 3 AS feature_3").selectExpr("*", "feature_1 + feature_2 + feature_3 AS label");
        Dataset<Row> small = spark.range(600).selectExpr("id + 100000 AS record_id", "1 + id % 20 AS device_id", "rand(4) AS feature_1",
                "rand(5) * 2 AS feature_2", "rand(6) * 3 AS feature_3").selectExpr("*", "feature_1 + feature_2 + feature_3 AS label");
        try (TrackingStore tracking = SqliteTrackingStore.open(dir.resolve("spark/fleetml.db"))) {
            SparkFleet fleet = new SparkFleet(tracking, dir.resolve("artifacts").toUri().toString());
            List<Row> results = fleet.train(big.unionByName(small), spec().algorithm("random_forest").param("n_estimators", 10).build())
                    .where("status = 'OK'").collectAsList();
            assertEquals(21, results.size());
            assertEquals(32_000, tracking.devices(fleet.lastSession().id()).get(0).nUsed());
        }
    }

    @Test
    void badColumnsFailBeforeAnyJobWithTheClosestName() {
        Dataset<Row> df = spark.range(10).selectExpr("id AS record_id", "id % 2 AS device_id", "CAST(id AS STRING) AS feature_1",
                "rand() AS feature_2", "rand() AS feature_3", "rand() AS label");
        try (TrackingStore tracking = SqliteTrackingStore.open(dir.resolve("spark/fleetml.db"))) {
            SparkFleet fleet = new SparkFleet(tracking, dir.resolve("artifacts").toUri().toString());
            var e = assertThrows(io.fleetml.data.FleetInputException.class, () -> fleet.train(df, spec().build()));
            assertTrue(e.getMessage().contains("feature column 'feature_1' is string, not numeric"), e.getMessage());
            var e2 = assertThrows(io.fleetml.data.FleetInputException.class, () -> fleet.train(df,
                    TrainSpec.builder("device", FEATURES, "label").build()));
            assertTrue(e2.getMessage().contains("did you mean 'device_id'"), e2.getMessage());
            assertTrue(tracking.sessions(null).isEmpty(), "no session recorded");
        }
    }
}
