package io.fleetml.spark;

import io.fleetml.LibraryExampleTest.MeanModel;
import io.fleetml.data.DuckDbFleetSource;
import io.fleetml.data.FleetSource;
import io.fleetml.data.SyntheticFleet;
import io.fleetml.engine.LocalEngine;
import io.fleetml.engine.Progress;
import io.fleetml.engine.TrainReport;
import io.fleetml.model.Algorithm;
import io.fleetml.score.ScoreReport;
import io.fleetml.store.ArtifactFiles;
import io.fleetml.store.ArtifactStoreContract;
import io.fleetml.store.DeviceQuery;
import io.fleetml.store.DeviceSelection;
import io.fleetml.store.FleetStore;
import io.fleetml.store.ModelUri;
import io.fleetml.store.PackArtifactStore;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.SessionStatus;
import io.fleetml.store.SqliteTrackingStore;
import io.fleetml.store.TrackingStore;
import io.fleetml.train.TrainOutcome;
import io.fleetml.train.TrainSpec;
import org.apache.spark.SparkException;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** SparkFleet on local[2] (with task retries allowed): train, resume, retrain, score, parity with LocalEngine both ways, failures. */
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

    private static List<TrainOutcome> runs(TrackingStore tracking, String session) {
        return tracking.devices(session, DeviceQuery.ALL);
    }

    private static Path file(String uri) {
        return Path.of(URI.create(uri));
    }

    @Test
    void trainsAndScoresLikeTheLocalEngine() {
        Path data = dir.resolve("fleet.parquet");
        SyntheticFleet.write(data, 6, 500, 11);
        TrainSpec spec = spec().algorithm("gradient_boosting").param("n_estimators", 20).build();

        Map<String, TrainOutcome> local;
        try (FleetSource source = DuckDbFleetSource.open(data.toString()); FleetStore store = FleetStore.open(dir.resolve("local"))) {
            TrainReport r = new LocalEngine(2).train(source, spec, store, Progress.NONE);
            local = runs(store.tracking(), r.session().id()).stream().collect(Collectors.toMap(TrainOutcome::deviceId, Function.identity()));
        }
        try (TrackingStore tracking = SqliteTrackingStore.open(dir.resolve("spark/fleetml.db"))) {
            SparkFleet fleet = new SparkFleet(tracking, dir.resolve("artifacts").toUri().toString());
            Dataset<Row> df = spark.read().parquet(data.toString());
            Dataset<Row> trained = fleet.train(df, spec);
            assertEquals(DataTypes.LongType, trained.schema().apply("device_id").dataType(), "integer device ids stay integers");
            List<Row> results = trained.collectAsList();
            assertEquals(6, results.size());
            SessionRecord session = fleet.lastSession();
            assertEquals(SessionStatus.FINISHED, session.status());
            assertEquals("spark", session.engine());
            assertEquals(6, fleet.lastReport().trained());
            assertEquals(6, fleet.lastReport().summary().ok());
            List<TrainOutcome> tracked = runs(tracking, session.id());
            assertEquals(6, tracked.size());
            Set<String> packs = new HashSet<>();
            for (TrainOutcome s : tracked) {
                TrainOutcome l = local.get(s.deviceId());
                assertEquals(l.status(), s.status());
                assertEquals(l.nUsed(), s.nUsed());
                assertEquals(l.nTest(), s.nTest());
                assertEquals(l.holdout().mse(), s.holdout().mse(), l.holdout().mse() * 1e-6, "device " + s.deviceId());
                String pack = ModelUri.packOf(s.modelUri());
                assertTrue(pack.matches(".*/" + session.id() + "/part-\\d{5}-\\d{5}\\.zip"), pack);
                assertTrue(Files.isRegularFile(file(pack)), pack);
                packs.add(pack);
            }
            assertTrue(packs.size() <= 6, "a pack per partition chunk, not files per device");

            SparkScoring scoring = fleet.scoring(df, session, null, io.fleetml.resolve.ModelUse.CHOSEN);
            Dataset<Row> predictions = scoring.predictions();
            assertEquals(List.of("record_id", "device_id", "prediction", "model"), Arrays.asList(predictions.columns()));
            List<Row> p = predictions.orderBy("record_id").collectAsList();
            assertEquals(3000, p.size());
            assertEquals(0L, p.get(0).getLong(0));
            assertEquals(0L, p.get(0).getLong(1));
            assertEquals("device/" + session.id(), p.get(0).getString(3));
            double label = df.where("record_id = 0").first().getDouble(5);
            assertEquals(label, p.get(0).getDouble(2), 1.0);
            ScoreReport report = scoring.report(1);
            assertEquals(3000, report.records());
            assertEquals(6, report.devices());
            assertEquals(3000, report.predicted());
            predictions.count(); // a second action over the same predictions counts them once
            assertEquals(3000, scoring.report(1).records());

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
    void retriedTasksWriteTheSamePacksThroughHadoopAndRecordEachDeviceOnce() throws IOException {
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
        Path root = dir.resolve("artifacts");
        try (TrackingStore tracking = SqliteTrackingStore.open(dir.resolve("spark/fleetml.db"))) {
            SparkFleet fleet = new SparkFleet(tracking, HadoopFiles.localThroughHadoop(root), HadoopFiles.localThroughHadoop());
            List<Row> results = fleet.train(spark.read().parquet(data.toString()), spec().algorithm(flaky).build()).collectAsList();
            assertEquals(8, results.size(), "one row per device despite retries");
            List<TrainOutcome> runs = runs(tracking, fleet.lastSession().id());
            assertEquals(8, runs.size(), "exactly one run per device");
            for (TrainOutcome o : runs) {
                if (o.deviceId().equals("3")) {
                    assertEquals(TrainOutcome.Status.FAILED, o.status());
                    assertTrue(o.error().contains("sensor 3 is broken"), o.error());
                } else {
                    assertEquals(TrainOutcome.Status.OK, o.status(), o.toString());
                    assertTrue(o.modelUri().startsWith(HadoopFiles.LOCAL_SCHEME + ":"), o.modelUri());
                }
            }
            Path models = root.resolve(fleet.lastSession().id());
            try (Stream<Path> files = Files.walk(models)) {
                List<String> names = files.filter(Files::isRegularFile).map(f -> f.getFileName().toString()).toList();
                assertTrue(names.stream().noneMatch(ArtifactFiles::isTemporary), "no temporary files left: " + names);
                assertTrue(names.stream().allMatch(n -> n.matches("part-\\d{5}-\\d{5}\\.zip")), "packs only: " + names);
            }
            double predicted = fleet.score(spark.read().parquet(data.toString()), fleet.lastSession()).where("device_id = 1").first().getDouble(2);
            assertEquals("1", runs.get(1).deviceId());
            assertTrue(predicted > 2 && predicted < 5, "mean label of device 1: " + predicted);
        }
    }

    /** An error in a trainer that fails its task (and, after the retries, the job), not only its device. */
    static final class DeviceKillsItsTask extends Error {
        DeviceKillsItsTask() {
            super("simulated: device 7 kills its task");
        }
    }

    static volatile boolean breakDevice7 = true;
    static volatile boolean breakDevice2 = true;
    static final Algorithm BROKEN = Algorithm.custom("mean_unless_broken", frame -> {
        if (breakDevice7 && frame.deviceId().equals("7")) {
            throw new DeviceKillsItsTask();
        }
        if (breakDevice2 && frame.deviceId().equals("2")) {
            throw new IllegalStateException("device 2 fails until fixed");
        }
        return new MeanModel(Arrays.stream(frame.label()).average().orElseThrow());
    }, a -> new MeanModel(ByteBuffer.wrap(a.bytes()).getDouble()));

    @Test
    void aFailedSessionKeepsTheDevicesItFinishedAndResumesWithTheRestThenRetrainsItsFailures() {
        Path data = dir.resolve("fleet.parquet");
        SyntheticFleet.write(data, 8, 40, 3);
        Dataset<Row> df = spark.read().parquet(data.toString());
        breakDevice7 = true;
        breakDevice2 = true;
        try (TrackingStore tracking = SqliteTrackingStore.open(dir.resolve("spark/fleetml.db"))) {
            SparkFleet fleet = new SparkFleet(tracking, dir.resolve("artifacts").toUri().toString());
            assertThrows(SparkException.class, () -> fleet.train(df, spec().algorithm(BROKEN).build()));
            SessionRecord failed = tracking.sessions(null).get(0);
            assertEquals(SessionStatus.FAILED, failed.status());
            List<TrainOutcome> kept = runs(tracking, failed.id());
            assertTrue(kept.stream().noneMatch(o -> o.deviceId().equals("7")), kept.toString());
            assertTrue(kept.size() < 8);

            breakDevice7 = false;
            List<Row> resumed = fleet.resume(df, failed.id()).collectAsList();
            assertEquals(8 - kept.size(), resumed.size(), "only the devices without a run are trained");
            assertEquals(failed.id(), fleet.lastSession().id());
            assertEquals(SessionStatus.FINISHED, fleet.lastSession().status());
            assertEquals(8, runs(tracking, failed.id()).size());
            assertEquals(7, fleet.lastReport().summary().ok());
            assertEquals(TrainOutcome.Status.FAILED, tracking.device(failed.id(), "2").orElseThrow().status());

            breakDevice2 = false;
            fleet.retrain(df, failed.id(), new DeviceSelection(Set.of(TrainOutcome.Status.FAILED), List.of()), Map.of());
            SessionRecord retrained = fleet.lastSession();
            assertEquals(failed.id(), retrained.parent());
            assertEquals(1, fleet.lastReport().trained());
            assertEquals(8, fleet.lastReport().summary().ok());
            assertEquals(7, fleet.lastReport().summary().inherited());
            Map<String, String> models = fleet.score(df, retrained).select("device_id", "model").distinct().collectAsList().stream()
                    .collect(Collectors.toMap(r -> String.valueOf(r.getLong(0)), r -> r.getString(1)));
            assertEquals("device/" + retrained.id(), models.get("2"), "the retrained device answers with its new model");
            assertEquals("device/" + failed.id(), models.get("5"), "the others with the model their run was carried over with");
        } finally {
            breakDevice7 = true;
            breakDevice2 = true;
        }
    }

    @ParameterizedTest(name = "artifacts through {0}")
    @ValueSource(strings = {"java.nio", "hadoop"})
    void hostileDeviceIdsNameNoPathOutsideTheArtifactsAndAreScored(String files) throws IOException {
        Path work = Files.createDirectories(dir.resolve("work/inner"));
        Path root = work.resolve("artifacts");
        List<String> ids = List.of("../../../OUTSIDE", "..", ".", "/abs", "a/b", "with space", "%", "plain");
        StructType schema = new StructType().add("device", DataTypes.StringType, true).add("record_id", DataTypes.LongType, false)
                .add("x", DataTypes.DoubleType, false).add("y", DataTypes.DoubleType, false);
        List<Row> rows = new ArrayList<>();
        long id = 0;
        List<String> withMissing = new ArrayList<>(ids);
        withMissing.add("");
        withMissing.add(null);
        for (String device : withMissing) {
            for (int i = 0; i < 20; i++) {
                rows.add(RowFactory.create(device, id++, (double) i, 2.0 * i + (device == null ? 0 : ids.indexOf(device))));
            }
        }
        Dataset<Row> df = spark.createDataFrame(rows, schema);
        TrainSpec spec = TrainSpec.builder("device", List.of("x"), "y").algorithm("linear").idColumn("record_id").build();
        try (TrackingStore tracking = SqliteTrackingStore.open(work.resolve("store/fleetml.db"))) {
            SparkFleet fleet = files.equals("hadoop")
                    ? new SparkFleet(tracking, HadoopFiles.localThroughHadoop(root), HadoopFiles.localThroughHadoop())
                    : new SparkFleet(tracking, root.toUri().toString());
            fleet.train(df, spec).collectAsList();
            String session = fleet.lastSession().id();
            List<TrainOutcome> runs = runs(tracking, session);
            assertEquals(new HashSet<>(ids), runs.stream().map(TrainOutcome::deviceId).collect(Collectors.toSet()),
                    "each id is one device, exactly as written; empty and missing ids are no device");
            assertTrue(runs.stream().allMatch(o -> o.status() == TrainOutcome.Status.OK), runs.toString());
            try (Stream<Path> all = Files.walk(dir)) {
                List<Path> outside = all.filter(Files::isRegularFile)
                        .filter(f -> !f.startsWith(root.resolve(session)) && !f.startsWith(work.resolve("store"))).toList();
                assertEquals(List.of(), outside, "nothing written outside the session's artifacts");
            }
            try (Stream<Path> packs = Files.list(root.resolve(session))) {
                assertTrue(packs.allMatch(f -> f.getFileName().toString().matches("part-\\d{5}-\\d{5}\\.zip")));
            }
            assertFalse(Files.exists(dir.resolve("OUTSIDE")) || Files.exists(dir.getParent().resolve("OUTSIDE")) || Files.exists(Path.of("/abs")));

            SparkScoring scoring = fleet.scoring(df, fleet.lastSession(), null, io.fleetml.resolve.ModelUse.CHOSEN);
            List<Row> predicted = scoring.predictions().collectAsList();
            assertEquals(ids.size() * 20, predicted.size(), "rows without a device are not scored");
            for (Row r : predicted) {
                String device = r.getString(1);
                assertEquals("device/" + session, r.getString(3), device);
                double x = r.getLong(0) % 20;
                assertEquals(2.0 * x + ids.indexOf(device), r.getDouble(2), 0.3, "its own model answers for " + device);
            }
            ScoreReport report = scoring.report(1);
            assertEquals(ids.size(), report.devices());
            assertEquals(ids.size() * 20L, report.predicted());
        }
    }

    @Test
    void aSessionTrainedByTheLocalEngineIsScoredOnSparkAndViceVersaWithTheSamePredictions() throws IOException {
        Path data = dir.resolve("fleet.parquet");
        SyntheticFleet.write(data, 12, 120, 17);
        TrainSpec spec = spec().algorithm("random_forest").param("n_estimators", 10).build();
        Dataset<Row> df = spark.read().parquet(data.toString());
        Path storeDir = dir.resolve("store");
        try (FleetStore store = new FleetStore(SqliteTrackingStore.open(storeDir.resolve("fleetml.db")), PackArtifactStore.local(storeDir.resolve("artifacts")));
             FleetSource source = DuckDbFleetSource.open(data.toString())) {
            LocalEngine local = new LocalEngine(2);
            SparkFleet fleet = new SparkFleet(store.tracking(), storeDir.resolve("artifacts").toUri().toString());

            SessionRecord byLocal = local.train(source, spec, store, Progress.NONE).session();
            Map<Long, Double> localScores = localScores(local, source, byLocal, store);
            Map<Long, Double> sparkScores = sparkScores(fleet, df, byLocal);
            assertEquals(1440, localScores.size());
            assertEquals(localScores, sparkScores, "a local session scored on Spark");

            fleet.train(df, spec);
            SessionRecord bySpark = fleet.lastSession();
            Map<Long, Double> sparkOwn = sparkScores(fleet, df, bySpark);
            Map<Long, Double> localOfSpark = localScores(local, source, bySpark, store);
            assertEquals(1440, sparkOwn.size());
            assertEquals(sparkOwn, localOfSpark, "a Spark session scored by the local engine");
            for (Map.Entry<Long, Double> e : localScores.entrySet()) {
                assertEquals(e.getValue(), sparkOwn.get(e.getKey()), 1e-9, "both engines trained the same models: record " + e.getKey());
            }
        }
    }

    private static Map<Long, Double> localScores(LocalEngine local, FleetSource source, SessionRecord session, FleetStore store) {
        Map<Long, Double> out = new HashMap<>();
        ScoreReport r = local.score(source, session, store, (device, ids, predictions, model) -> {
            assertEquals("device/" + session.id(), model);
            for (int i = 0; i < ids.length; i++) {
                out.put(ids[i], predictions[i]);
            }
        }, Progress.NONE);
        assertEquals(0, r.devicesUnreadable());
        return out;
    }

    private static Map<Long, Double> sparkScores(SparkFleet fleet, Dataset<Row> df, SessionRecord session) {
        Map<Long, Double> out = new HashMap<>();
        for (Row r : fleet.score(df, session).collectAsList()) {
            assertEquals("device/" + session.id(), r.getString(3));
            out.put(r.getLong(0), r.getDouble(2));
        }
        return out;
    }

    @Test
    void aDeviceWhoseModelCannotBeReadGetsNoPredictionAndTheRestAreScored() throws IOException {
        Path data = dir.resolve("fleet.parquet");
        SyntheticFleet.write(data, 30, 20, 2);
        Dataset<Row> df = spark.read().parquet(data.toString());
        try (TrackingStore tracking = SqliteTrackingStore.open(dir.resolve("spark/fleetml.db"))) {
            SparkFleet fleet = new SparkFleet(tracking, dir.resolve("artifacts").toUri().toString());
            fleet.train(df, spec().algorithm("linear").build());
            String lost = ModelUri.packOf(tracking.device(fleet.lastSession().id(), "0").orElseThrow().modelUri());
            Set<String> inLost = runs(tracking, fleet.lastSession().id()).stream().filter(o -> ModelUri.packOf(o.modelUri()).equals(lost))
                    .map(TrainOutcome::deviceId).collect(Collectors.toSet());
            Files.write(file(lost), "not a zip".getBytes());
            SparkScoring scoring = fleet.scoring(df, fleet.lastSession(), null, io.fleetml.resolve.ModelUse.CHOSEN);
            List<Row> rows = scoring.predictions().collectAsList();
            assertEquals(600, rows.size());
            for (Row r : rows) {
                boolean unreadable = inLost.contains(String.valueOf(r.getLong(1)));
                assertEquals(unreadable, r.isNullAt(2), "device " + r.getLong(1));
                assertEquals(unreadable, r.isNullAt(3));
            }
            ScoreReport report = scoring.report(1);
            assertEquals(inLost.size(), report.devicesUnreadable());
            assertEquals(inLost.size() * 20L, report.recordsUnreadable());
            assertEquals(600 - inLost.size() * 20L, report.predicted());
            assertEquals(Math.min(ScoreReport.NAMED, inLost.size()), report.unreadable().size());
            assertTrue(report.unreadable().get(0).reason().contains(lost.substring(lost.lastIndexOf('/') + 1)), report.unreadable().toString());
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
            local = runs(store.tracking(), r.session().id()).stream().collect(Collectors.toMap(TrainOutcome::deviceId, Function.identity()));
        }
        Dataset<Row> df = spark.read().option("header", "true").option("inferSchema", "true").option("nullValue", "NA")
                .csv(beijing + "/*.csv.gz");
        try (TrackingStore tracking = SqliteTrackingStore.open(dir.resolve("spark/fleetml.db"))) {
            SparkFleet fleet = new SparkFleet(tracking, dir.resolve("artifacts").toUri().toString());
            fleet.train(df, spec);
            List<TrainOutcome> runs = runs(tracking, fleet.lastSession().id());
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
            List<TrainOutcome> runs = runs(tracking, fleet.lastSession().id());
            assertEquals("0", runs.get(0).deviceId());
            assertEquals(32_000, runs.get(0).nUsed());
        }
    }

    @Test
    void integerDevicesArePartitionedAndPackedInNumericOrderAsTheLocalEngineDoes() {
        // ids 1..4800: as text, "1000" < "2"; by number 2 < 1000. Packs hold at most 512 devices, in the local engine's order.
        Dataset<Row> df = spark.range(4800 * 12).selectExpr("id AS record_id", "1 + id % 4800 AS device_id", "rand(7) AS feature_1",
                "rand(8) AS feature_2", "rand(9) AS feature_3").selectExpr("*", "feature_1 + 2 * feature_2 AS label").repartition(3);
        try (TrackingStore tracking = SqliteTrackingStore.open(dir.resolve("spark/fleetml.db"))) {
            SparkFleet fleet = new SparkFleet(tracking, dir.resolve("artifacts").toUri().toString());
            fleet.train(df, spec().algorithm("linear").build());
            Map<String, List<Long>> byPack = new HashMap<>();
            for (TrainOutcome o : runs(tracking, fleet.lastSession().id())) {
                byPack.computeIfAbsent(ModelUri.packOf(o.modelUri()), p -> new ArrayList<>()).add(Long.parseLong(o.deviceId()));
            }
            List<String> packs = new ArrayList<>(byPack.keySet());
            packs.sort(null); // pack names follow partition and chunk numbers
            long last = 0;
            for (String pack : packs) {
                List<Long> devices = byPack.get(pack);
                assertTrue(devices.size() <= io.fleetml.engine.TrainingWorker.MAX_PACK_DEVICES, pack + " holds " + devices.size());
                long min = devices.stream().mapToLong(Long::longValue).min().orElseThrow();
                long max = devices.stream().mapToLong(Long::longValue).max().orElseThrow();
                assertTrue(min > last, "packs hold ranges of devices in numeric order: " + pack + " starts at " + min + " after " + last);
                assertEquals(max - min + 1, devices.size(), "a contiguous numeric range in " + pack);
                last = max;
            }
            assertEquals(4800, last);
            assertTrue(packs.size() > 8, "partitions of more than 512 devices are cut into several packs: " + packs.size());
        }
    }

    static final java.util.concurrent.atomic.AtomicInteger FITS = new java.util.concurrent.atomic.AtomicInteger();
    static final Algorithm COUNTED = Algorithm.custom("counted_mean", frame -> {
        FITS.incrementAndGet();
        return new MeanModel(Arrays.stream(frame.label()).average().orElseThrow());
    }, a -> new MeanModel(ByteBuffer.wrap(a.bytes()).getDouble()));

    @Test
    void theResultsAreReadFromTheirCacheNotTrainedAgain() {
        Path data = dir.resolve("fleet.parquet");
        SyntheticFleet.write(data, 9, 30, 4);
        try (TrackingStore tracking = SqliteTrackingStore.open(dir.resolve("spark/fleetml.db"))) {
            SparkFleet fleet = new SparkFleet(tracking, dir.resolve("artifacts").toUri().toString());
            FITS.set(0);
            Dataset<Row> results = fleet.train(spark.read().parquet(data.toString()), spec().algorithm(COUNTED).build());
            assertEquals(9, FITS.get(), "one fit per device (local mode: the executors are this JVM)");
            assertEquals(9, results.collectAsList().size());
            assertEquals(9, results.where("status = 'OK'").count());
            assertEquals(9, FITS.get(), "the results come from the cache the training filled");
        }
    }

    @Test
    void devicesAreSelectedByTheirIdAsText() {
        Dataset<Row> df = spark.range(3000 * 2).selectExpr("id AS record_id", "id % 3000 AS device_id", "rand() AS feature_1",
                "rand() AS feature_2", "rand() AS feature_3", "rand() AS label");
        io.fleetml.data.FrameQuery q = spec().build().frameQuery();
        Set<String> half = new HashSet<>();
        for (int i = 0; i < 3000; i += 2) {
            half.add(String.valueOf(i));
        }
        assertEquals(1500, DeviceRows.select(df, q, io.fleetml.data.DeviceFilter.except(half)).select("device").distinct().count(),
                "all but 1,500 ids: a broadcast anti join");
        assertEquals(1500, DeviceRows.select(df, q, io.fleetml.data.DeviceFilter.only(half)).select("device").distinct().count(),
                "only 1,500 ids: a broadcast semi join");
        List<Row> three = DeviceRows.select(df, q, io.fleetml.data.DeviceFilter.only(Set.of("7", "2999", "x"))).select("device").distinct()
                .orderBy("device").collectAsList();
        assertEquals(List.of(7L, 2999L), three.stream().map(r -> r.getLong(0)).toList(), "a few ids: a literal list; integer ids stay integers");
        assertEquals(0, DeviceRows.select(df, q, io.fleetml.data.DeviceFilter.only(Set.of())).count());
        Dataset<Row> text = df.selectExpr("CASE WHEN device_id = 0 THEN '' WHEN device_id = 1 THEN NULL ELSE CAST(device_id AS STRING) END AS device_id",
                "record_id", "feature_1", "feature_2", "feature_3", "label");
        assertEquals(2998, DeviceRows.select(text, q, io.fleetml.data.DeviceFilter.ALL).select("device").distinct().count(),
                "an empty id is a missing one: no device");
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
            var e3 = assertThrows(io.fleetml.data.FleetInputException.class, () -> fleet.train(df.selectExpr("CAST(NULL AS STRING) AS device_id",
                    "rand() AS feature_1", "rand() AS feature_2", "rand() AS feature_3", "rand() AS label"), spec().idColumn(null).build()));
            assertTrue(e3.getMessage().contains("no rows with a device id"), e3.getMessage());
            assertTrue(tracking.sessions(null).isEmpty(), "no session recorded");
        }
    }
}
