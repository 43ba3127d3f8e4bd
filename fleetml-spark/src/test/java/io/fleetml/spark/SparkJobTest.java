package io.fleetml.spark;

import io.fleetml.command.ExitCode;
import io.fleetml.data.SyntheticFleet;
import io.fleetml.store.DeviceQuery;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.SqliteTrackingStore;
import io.fleetml.store.TrackingStore;
import io.fleetml.train.TrainOutcome;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The Spark job as users run it: in this JVM through its command line (Spark local[2]), and as its own process
 * the way {@code ./fleetml spark} starts it (environment, Spark's logging configuration, stderr).
 */
@Tag("slow")
class SparkJobTest {
    @TempDir
    static Path shared;
    @TempDir
    Path dir;

    static Path fleet;
    static final String[] COLUMNS = {"--device-column", "device_id", "--features", "feature_1,feature_2,feature_3", "--label", "label"};
    private static final List<String> PROPERTIES = List.of("spark.driver.host", "spark.driver.bindAddress", "spark.ui.enabled");

    @BeforeAll
    static void data() {
        System.setProperty("spark.driver.host", "127.0.0.1");
        System.setProperty("spark.driver.bindAddress", "127.0.0.1");
        System.setProperty("spark.ui.enabled", "false");
        fleet = shared.resolve("fleet.parquet");
        SyntheticFleet.write(fleet, 6, 200, 8);
    }

    @AfterAll
    static void clear() {
        PROPERTIES.forEach(System::clearProperty);
    }

    record Run(int code, String out, String err) {
        /** Lines on stderr other than the JVM's note about the incubator module Spark's options add. */
        List<String> errLines() {
            return err.lines().filter(l -> !l.isBlank() && !l.startsWith("WARNING: Using incubator modules")).toList();
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** The job in this JVM. */
    static Run job(String... args) {
        CommandLine cli = SparkJob.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** The job as its own process, as {@code ./fleetml spark} runs it: Spark's module options, its logging configuration. */
    static Run process(Path workDir, Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g"));
        cmd.addAll(Arrays.asList(LocalCluster.jvmOptions().split("\\s+")));
        cmd.addAll(List.of("-Dspark.driver.host=127.0.0.1", "-Dspark.ui.enabled=false",
                "-Dlog4j2.configurationFile=classpath:fleetml-spark-log4j2.properties", "-cp", LocalCluster.classpath(), SparkJob.class.getName()));
        cmd.addAll(Arrays.asList(args));
        Path out = Files.createTempFile(workDir, "out", ".txt");
        Path err = Files.createTempFile(workDir, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("FLEETML_STORE");
        pb.environment().remove("FLEETML_DEBUG");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().putAll(env);
        Process p = pb.start();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "the job did not finish");
        Run r = new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    private String[] train(String store, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--master", "local[2]", "--data", fleet.toString(), "--algorithm", "linear", "--store", store));
        args.addAll(Arrays.asList(COLUMNS));
        args.addAll(Arrays.asList(more));
        return args.toArray(String[]::new);
    }

    private static SessionRecord latest(Path store) {
        try (TrackingStore tracking = SqliteTrackingStore.open(store.resolve("fleetml.db"))) {
            return tracking.latest(null).orElseThrow();
        }
    }

    /** Runs a query with DuckDB (Spark stops with each job) and returns its rows as text. */
    private static List<String> duckdb(String sql) {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                List<String> cells = new ArrayList<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    cells.add(rs.getString(i));
                }
                rows.add(String.join(",", cells));
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    private static void duckdbExecute(String sql) {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /** Every file under {@code out} with its bytes' hash: what "left as it was" means. */
    private static Map<String, Integer> snapshot(Path out) throws IOException {
        try (Stream<Path> files = Files.walk(out)) {
            Map<String, Integer> all = new TreeMap<>();
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                all.put(out.relativize(f).toString(), Arrays.hashCode(Files.readAllBytes(f)));
            }
            return all;
        }
    }

    @Test
    void trainUsesTheStoreFleetmlStoreNamesAndPrintsTheSummaryOfTheFleetmlCommand() throws Exception {
        Path cwd = Files.createDirectories(dir.resolve("cwd"));
        Path store = dir.resolve("env-store");
        List<String> args = new ArrayList<>(List.of("train", "--master", "local[2]", "--data", fleet.toString(), "--algorithm", "linear"));
        args.addAll(Arrays.asList(COLUMNS));
        Run r = process(cwd, Map.of("FLEETML_STORE", store.toString()), args.toArray(String[]::new));
        assertEquals(ExitCode.OK, r.code(), r.toString());
        SessionRecord session = latest(store);
        List<String> lines = r.out().lines().toList();
        assertEquals("session " + session.id() + "  experiment default  linear on Spark local[2]", lines.get(0), r.out());
        assertTrue(lines.get(1).startsWith("  devices: 6 OK, 0 failed, 0 skipped of 6 · 960 rows used · "), r.out());
        assertTrue(lines.get(2).startsWith("  holdout MSE: median "), r.out());
        assertEquals("  store: " + store.toAbsolutePath() + " (models under " + session.artifactRoot() + session.id() + "/)", lines.get(lines.size() - 1));
        assertFalse(r.out().contains("+--") || r.out().contains("|"), "no table of Spark's: " + r.out());
        assertFalse(Files.exists(cwd.resolve("fleetml-store")), "FLEETML_STORE, not ./fleetml-store");
        try (Stream<Path> packs = Files.list(store.resolve("artifacts").resolve(session.id()))) {
            assertTrue(packs.allMatch(p -> p.getFileName().toString().matches("part-\\d{5}-\\d{5}\\.zip")));
        }
        assertEquals(List.of(), r.errLines(), r.toString());
    }

    @Test
    void trainWithOutWritesTheResultsAndPrintsTheSameSummary() {
        Path store = dir.resolve("store");
        Path results = dir.resolve("results.parquet");
        Run r = job(train(store.toString(), "--out", results.toString()));
        assertEquals(ExitCode.OK, r.code(), r.toString());
        SessionRecord session = latest(store);
        assertTrue(r.out().startsWith("session " + session.id() + "  experiment default  linear on Spark local[2]\n"), r.out());
        assertTrue(r.out().contains("  devices: 6 OK, 0 failed, 0 skipped of 6"), r.out());
        assertTrue(r.out().contains("  results: " + results.toUri().toString().replace("file:///", "file:/").replaceAll("/$", "") + "\n"), r.out());
        assertEquals(List.of("6,BIGINT,6"), duckdb("SELECT count(*), any_value(typeof(device_id)), count(*) FILTER (WHERE status = 'OK') FROM read_parquet('"
                + results + "/*.parquet')"));
    }

    @Test
    void scorePrintsTheFirstTenPredictionsAndTheCounts() {
        Path store = dir.resolve("store");
        assertEquals(ExitCode.OK, job(train(store.toString())).code());
        String id = latest(store).id();
        Run r = job("score", "--master", "local[2]", "--data", fleet.toString(), "--session", "latest", "--store", store.toString());
        assertEquals(ExitCode.OK, r.code(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals("record_id  device_id  prediction  model   (first 10; write all with --out)", lines.get(0));
        for (int i = 1; i <= 10; i++) {
            assertTrue(lines.get(i).matches("\\d+  0  [0-9.]+  device/" + id), lines.get(i));
        }
        assertTrue(lines.get(11).startsWith("scored 1,200 of 1,200 records (6 devices) with session " + id + " in "), r.out());
        assertEquals(12, lines.size(), r.out());
    }

    @Test
    void scoreModelUsesARegisteredVersionAndNamesIt() {
        Path store = dir.resolve("store");
        assertEquals(ExitCode.OK, job(train(store.toString())).code());
        String id = latest(store).id();
        try (io.fleetml.store.FleetStore s = io.fleetml.store.FleetStore.openExisting(store)) {
            s.tracking().registry().register("pumps", id, "prod", null, null);
        }
        Run r = job("score", "--master", "local[2]", "--data", fleet.toString(), "--model", "pumps@prod", "--store", store.toString());
        assertEquals(ExitCode.OK, r.code(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(1).matches("\\d+  0  [0-9.]+  device/pumps/1"), lines.get(1));
        assertTrue(lines.get(11).startsWith("scored 1,200 of 1,200 records (6 devices) with pumps/1 (session " + id + ") in "), r.out());
        Run unknown = job("score", "--master", "local[2]", "--data", fleet.toString(), "--model", "pumps@nope", "--store", store.toString());
        assertEquals(ExitCode.BAD_INPUT, unknown.code(), unknown.toString());
        assertEquals("fleetml: error: model 'pumps' has no alias 'nope'; set it with: fleetml registry alias pumps nope VERSION", unknown.err().strip());
    }

    @Test
    void scoreWithOutWritesThePredictionsAndCountsDevicesWithoutAModel() {
        Path store = dir.resolve("store");
        assertEquals(ExitCode.OK, job(train(store.toString())).code());
        String id = latest(store).id();
        Path more = dir.resolve("seven.parquet");
        SyntheticFleet.write(more, 7, 200, 9); // device 6 is new
        Path out = dir.resolve("predictions.csv");
        Run r = job("score", "--master", "local[2]", "--data", more.toString(), "--session", id, "--store", store.toString(), "--out", out.toString());
        assertEquals(ExitCode.OK, r.code(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).startsWith("scored 1,200 of 1,400 records (7 devices) with session " + id + " in "), r.out());
        assertEquals("  no model: 1 devices, 200 records (unknown to the session, or failed/skipped there): no prediction", lines.get(1));
        assertTrue(lines.get(2).startsWith("  predictions: file:") && lines.get(2).endsWith("predictions.csv"), r.out());
        assertEquals(List.of("1400,1200,200"), duckdb("SELECT count(*), count(prediction), count(*) FILTER (WHERE model IS NULL) FROM read_csv('"
                + out + "/*.csv')"));
    }

    @Test
    void scoreExitsThreeWhenNoRecordIsPredicted() {
        Path store = dir.resolve("store");
        assertEquals(ExitCode.OK, job(train(store.toString())).code());
        Path strangers = dir.resolve("strangers.parquet");
        duckdbExecute("COPY (SELECT record_id, device_id + 100 AS device_id, feature_1, feature_2, feature_3 FROM '" + fleet + "') TO '" + strangers + "'");
        Run r = job("score", "--master", "local[2]", "--data", strangers.toString(), "--session", "latest", "--store", store.toString());
        assertEquals(ExitCode.NOTHING_DONE, r.code(), r.toString());
        assertTrue(r.out().contains("scored 0 of 1,200 records (6 devices)"), r.out());
        assertEquals("fleetml: no record predicted: none of the 6 devices has a usable model in the session; see the summary above", r.err().strip());
    }

    @Test
    void aScoreThatCannotWorkKeepsThePreviousOutputAndSaysWhyInOneLine() throws Exception {
        Path store = dir.resolve("store");
        assertEquals(ExitCode.OK, job(train(store.toString())).code());
        Path out = dir.resolve("p");
        assertEquals(ExitCode.OK, job("score", "--master", "local[2]", "--data", fleet.toString(), "--session", "latest", "--store", store.toString(),
                "--out", out.toString()).code());
        Map<String, Integer> before = snapshot(out);
        assertTrue(before.containsKey("_SUCCESS"), before.toString());

        // fails in the tasks, while writing: one file's feature_1 is boolean, the other's double
        Path mixed = Files.createDirectories(dir.resolve("mixed"));
        Files.copy(fleet, mixed.resolve("a.parquet"));
        duckdbExecute("COPY (SELECT record_id, device_id, feature_1 > 1 AS feature_1, feature_2, feature_3 FROM '" + fleet + "') TO '"
                + mixed.resolve("b.parquet") + "'");
        Run failed = process(dir, Map.of(), "score", "--master", "local[2]", "--data", mixed.toString(), "--session", "latest", "--store",
                store.toString(), "--out", out.toString());
        assertEquals(ExitCode.FAILED, failed.code(), failed.toString());
        assertEquals(1, failed.errLines().size(), "one line, no stack traces of Spark's: " + failed);
        assertTrue(failed.errLines().get(0).startsWith("fleetml: failed: ") && failed.errLines().get(0).contains("feature_1"), failed.toString());
        assertEquals(before, snapshot(out), "the previous predictions are as they were");

        // fails before any job: a session that does not exist, a feature column the data lacks
        Run noSession = job("score", "--master", "local[2]", "--data", fleet.toString(), "--session", "nope", "--store", store.toString(),
                "--out", out.toString());
        assertEquals(ExitCode.BAD_INPUT, noSession.code(), noSession.toString());
        assertEquals(List.of("fleetml: error: no session 'nope' in " + store + "; list them with: fleetml sessions"), noSession.errLines());
        Path lacking = dir.resolve("lacking.parquet");
        duckdbExecute("COPY (SELECT record_id, device_id, feature_1, feature_3 FROM '" + fleet + "') TO '" + lacking + "'");
        Run noColumn = job("score", "--master", "local[2]", "--data", lacking.toString(), "--session", "latest", "--store", store.toString(),
                "--out", out.toString());
        assertEquals(ExitCode.BAD_INPUT, noColumn.code(), noColumn.toString());
        assertEquals(1, noColumn.errLines().size(), noColumn.toString());
        assertTrue(noColumn.errLines().get(0).startsWith("fleetml: error: feature column 'feature_2'"), noColumn.toString());
        Run noData = job("score", "--master", "local[2]", "--data", dir.resolve("nothing-here.parquet").toString(), "--session", "latest",
                "--store", store.toString());
        assertEquals(ExitCode.BAD_INPUT, noData.code(), noData.toString());
        assertTrue(noData.errLines().get(0).startsWith("fleetml: error: no data at "), noData.toString());

        assertEquals(before, snapshot(out));
        try (Stream<Path> siblings = Files.list(dir)) {
            List<String> hidden = siblings.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".p.")).toList();
            assertEquals(List.of(), hidden, "no temporary output left behind");
        }
    }

    @Test
    void retrainAndResumeFromTheJobReadTheDataWhereTheSessionReadIt() {
        Path store = dir.resolve("store");
        Path data = dir.resolve("with-a-small-device.parquet");
        duckdbExecute("COPY (SELECT * FROM '" + fleet + "' UNION ALL SELECT 10000 + i, 99, 0.5, 0.5, 0.5, 1.0 FROM range(5) t(i)) TO '" + data + "'");
        List<String> args = new ArrayList<>(List.of("train", "--master", "local[2]", "--data", data.toString(), "--algorithm", "linear", "--store",
                store.toString()));
        args.addAll(Arrays.asList(COLUMNS));
        Run trained = job(args.toArray(String[]::new));
        assertEquals(ExitCode.OK, trained.code(), trained.toString());
        assertTrue(trained.out().contains("  devices: 6 OK, 1 failed, 0 skipped of 7"), trained.out());
        assertTrue(trained.out().contains("  FAILED 99: too few rows"), trained.out());
        String parent = latest(store).id();

        Run retrained = job("retrain", parent, "--master", "local[2]", "--store", store.toString(), "--param", "alpha=0.5");
        assertEquals(ExitCode.OK, retrained.code(), retrained.toString());
        assertTrue(retrained.out().contains("  retrained 1 devices (devices FAILED or SKIPPED in " + parent + "); 6 carried over from " + parent),
                retrained.out());
        try (TrackingStore tracking = SqliteTrackingStore.open(store.resolve("fleetml.db"))) {
            SessionRecord child = tracking.sessions(null).get(0);
            assertEquals(parent, child.parent());
            assertEquals("spark", child.engine());
            assertEquals("0.5", child.spec().params().get("alpha"));
            List<TrainOutcome> runs = tracking.devices(child.id(), DeviceQuery.ALL);
            assertEquals(7, runs.size());
            assertEquals(List.of("0", "1", "2", "3", "4", "5", "99"), runs.stream().map(TrainOutcome::deviceId).collect(Collectors.toList()));
        }

        Run finished = job("resume", parent, "--master", "local[2]", "--store", store.toString());
        assertEquals(ExitCode.CONFLICT, finished.code(), finished.toString());
        assertEquals(1, finished.errLines().size(), finished.toString());
        assertTrue(finished.errLines().get(0).startsWith("fleetml: error: session " + parent + " is FINISHED"), finished.toString());
    }

    @Test
    void fleetModelsFromTheJobAnswerForADeviceWithTooFewRowsAndForANewOne() {
        Path store = dir.resolve("store");
        Path data = dir.resolve("with-a-small-device.parquet");
        duckdbExecute("COPY (SELECT * FROM '" + fleet + "' UNION ALL SELECT 10000 + i, 99, 0.5, 0.5, 0.5, 1.0 FROM range(5) t(i)) TO '" + data + "'");
        Path results = dir.resolve("results.parquet");
        List<String> args = new ArrayList<>(List.of("train", "--master", "local[2]", "--data", data.toString(), "--algorithm", "linear", "--store",
                store.toString(), "--fleet", "fallback", "--fleet-param", "n_estimators=20", "--out", results.toString()));
        args.addAll(Arrays.asList(COLUMNS));
        Run trained = job(args.toArray(String[]::new));
        assertEquals(ExitCode.OK, trained.code(), trained.toString());
        assertTrue(trained.out().contains("  fleet models (--fleet fallback): gradient_boosting fit on "), trained.out());
        assertTrue(trained.out().contains("  chosen ") && trained.out().contains("test MSE by model"), trained.out());
        assertEquals(List.of("fleet,too few rows"), duckdb("SELECT chosen, split_part(error, ':', 1) FROM read_parquet('" + results
                + "/*.parquet') WHERE device_id = 99"));
        String id = latest(store).id();

        Path more = dir.resolve("seven.parquet");
        SyntheticFleet.write(more, 7, 200, 9); // device 6 is new
        Path out = dir.resolve("predictions.csv");
        Run scored = job("score", "--master", "local[2]", "--data", more.toString(), "--session", id, "--store", store.toString(), "--out", out.toString());
        assertEquals(ExitCode.OK, scored.code(), scored.toString());
        assertTrue(scored.out().startsWith("scored 1,400 of 1,400 records (7 devices) with session " + id + " in "), scored.out());
        assertEquals(List.of("fleet/" + id), duckdb("SELECT DISTINCT model FROM read_csv('" + out + "/*.csv') WHERE device_id = 6"));

        Run stack = job("score", "--master", "local[2]", "--data", more.toString(), "--session", id, "--store", store.toString(), "--use", "stack");
        assertEquals(ExitCode.BAD_INPUT, stack.code(), stack.toString());
        assertEquals(1, stack.errLines().size(), stack.toString());
        assertTrue(stack.errLines().get(0).contains("has no stack model (it was trained with --fleet fallback)"), stack.toString());
    }
}
