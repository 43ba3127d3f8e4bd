package io.fleetml.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Fleet models ({@code train --fleet none|fallback|stack}, {@code score --use ...}) as a user types them, on a small
 * heterogeneous fleet: 300 devices (about a third too small to train alone), their later rows and 30 unseen devices.
 */
class CliFleetTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int DEVICES = 300;
    private static final int UNSEEN = 30;

    @TempDir
    static Path shared;
    static Path fleet;
    static Path later;
    static String store;
    /** The {@code --fleet stack} session every read-only test looks at, what training it printed, and its results file. */
    static Cli stackRun;
    static String stack;
    static Path results;

    @TempDir
    Path dir;

    @BeforeAll
    static void fleetAndAStackSession() {
        fleet = shared.resolve("fleet.parquet");
        later = shared.resolve("later.parquet");
        Cli gen = Cli.run("generate", "--profile", "heterogeneous", "--devices", String.valueOf(DEVICES), "--seed", "42",
                "--out", fleet.toString(), "--later", later.toString());
        assertEquals(0, gen.code(), gen.toString());
        store = shared.resolve("store").toString();
        results = shared.resolve("results.parquet");
        stackRun = train(store, "--fleet", "stack", "--out", results.toString());
        assertEquals(0, stackRun.code(), stackRun.toString());
        stack = CliEndToEndTest.sessionId(stackRun);
    }

    /** Trains on the fleet; sessions other than the shared one pass {@code --fleet-param n_estimators=20}, only to stay fast. */
    private static Cli train(String store, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--store", store, "--data", fleet.toString(), "--device-column", "device_id",
                "--features", "feature_1,feature_2,feature_3", "--label", "label", "--algorithm", "linear", "--time-column", "hour"));
        args.addAll(Arrays.asList(more));
        return Cli.run(args.toArray(String[]::new));
    }

    private static Cli cli(String store, String... args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.addAll(List.of("--store", store));
        return Cli.run(all.toArray(String[]::new));
    }

    private static Cli score(String store, String session, String use, Path out) {
        return cli(store, "score", "--session", session, "--data", later.toString(), "--use", use, "--out", out.toString());
    }

    /** The rows of a DuckDB query, each a list of its values. */
    private static List<List<Object>> query(String sql) {
        try (var db = DriverManager.getConnection("jdbc:duckdb:"); var st = db.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<List<Object>> rows = new ArrayList<>();
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new AssertionError(sql + ": " + e.getMessage(), e);
        }
    }

    private static long count(String sql) {
        return ((Number) query(sql).get(0).get(0)).longValue();
    }

    /** The model names of the "test MSE by model" table a training printed, in order. */
    private static List<String> tableModels(Cli train) {
        List<String> lines = train.out().lines().toList();
        int header = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("test MSE by model")) {
                header = i;
            }
        }
        assertTrue(header >= 0, "a test-MSE table: " + train.out());
        assertTrue(lines.get(header + 1).strip().startsWith("model"), lines.get(header + 1));
        List<String> models = new ArrayList<>();
        for (int i = header + 2; i < lines.size() && !lines.get(i).strip().startsWith("("); i++) {
            models.add(lines.get(i).strip().split("\\s+")[0]);
        }
        return models;
    }

    /** A usage error: exit 2, one line on stderr, no stack trace, with each of {@code parts}. */
    private static void assertUsageError(Cli run, String... parts) {
        assertEquals(2, run.code(), run.toString());
        String err = run.err().strip();
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), "no stack trace: " + err);
        for (String p : parts) {
            assertTrue(err.contains(p), "'" + err + "' should contain '" + p + "'");
        }
    }

    private static JsonNode testMse(JsonNode session, String model, String scope) {
        for (JsonNode row : session.get("fleet").get("test_mse")) {
            if (row.get("model").asText().equals(model) && row.get("scope").asText().equals(scope)) {
                return row;
            }
        }
        throw new AssertionError("no " + model + "/" + scope + " row in " + session.get("fleet"));
    }

    private static int sessionCount(String store) throws IOException {
        return JSON.readTree(cli(store, "sessions", "--json").out()).size();
    }

    // 1. train --fleet stack

    @Test
    void stackTrainingComparesTheModelsAndChoosesOneForEveryDevice() throws IOException {
        assertTrue(stackRun.err().isEmpty(), stackRun.err());
        assertTrue(stackRun.out().contains("fleet models (--fleet stack): gradient_boosting fit on "), stackRun.out());
        assertEquals(List.of("device", "fleet", "hierarchical", "stack", "chosen"), tableModels(stackRun), stackRun.out());

        String r = "'" + results + "'";
        assertEquals(DEVICES, count("SELECT count(*) FROM " + r));
        assertEquals(DEVICES, count("SELECT count(DISTINCT device_id) FROM " + r), "one row per device");
        List<String> columns = query("SELECT column_name FROM (DESCRIBE SELECT * FROM " + r + ")").stream().map(c -> (String) c.get(0)).toList();
        assertTrue(columns.containsAll(List.of("chosen", "fleet_mse", "fleet_r2", "hierarchical_mse", "hierarchical_r2", "stack_mse", "stack_r2")),
                columns.toString());
        assertEquals(0, count("SELECT count(*) FROM " + r + " WHERE chosen IS NULL"), "every device has a chosen model");
        assertEquals(0, count("SELECT count(*) FROM " + r + " WHERE chosen NOT IN ('device', 'fleet', 'hierarchical', 'stack')"));

        long failed = count("SELECT count(*) FROM " + r + " WHERE status = 'FAILED'");
        long ok = count("SELECT count(*) FROM " + r + " WHERE status = 'OK'");
        assertTrue(failed > 0 && ok > 0, "this fleet has devices too small to train alone, and others: " + failed + " failed, " + ok + " OK");
        assertTrue(stackRun.out().contains(ok + " OK, " + failed + " failed"), stackRun.out());
        assertEquals(0, count("SELECT count(*) FROM " + r + " WHERE status = 'FAILED' AND chosen <> 'fleet'"),
                "a device without a model of its own answers with the fleet model");
        assertEquals(0, count("SELECT count(*) FROM " + r + " WHERE status = 'FAILED' AND (error IS NULL OR error NOT LIKE 'too few rows%')"),
                "failed devices keep their error text");
        assertEquals(0, count("SELECT count(*) FROM " + r + " WHERE status = 'OK' AND (fleet_mse IS NULL OR stack_mse IS NULL)"),
                "devices with a model of their own are compared with the fleet and the stack");

        JsonNode session = JSON.readTree(cli(store, "sessions", "show", stack, "--json").out());
        assertEquals("stack", session.get("fleet").get("mode").asText());
        Map<String, Long> chosen = new LinkedHashMap<>();
        session.get("fleet").get("chosen").fields().forEachRemaining(e -> chosen.put(e.getKey(), e.getValue().asLong()));
        Map<String, Long> inResults = new LinkedHashMap<>();
        for (List<Object> row : query("SELECT chosen, count(*) FROM " + r + " GROUP BY chosen")) {
            inResults.put((String) row.get(0), ((Number) row.get(1)).longValue());
        }
        chosen.values().removeIf(n -> n == 0);
        assertEquals(inResults, chosen, "the session's chosen counts are the results file's");

        double device = testMse(session, "device", "own").get("mse").asDouble();
        double fleetOnly = testMse(session, "fleet", "own").get("mse").asDouble();
        double chosenMse = testMse(session, "chosen", "own").get("mse").asDouble();
        assertEquals(testMse(session, "device", "own").get("rows").asLong(), testMse(session, "chosen", "own").get("rows").asLong(),
                "compared on the same test rows");
        assertTrue(chosenMse < device, "chosen " + chosenMse + " beats device-only " + device);
        assertTrue(chosenMse < fleetOnly, "chosen " + chosenMse + " beats fleet-only " + fleetOnly);
    }

    // 2. score --use chosen|device|fleet|stack

    @Test
    void scoringWithTheChosenModelsPredictsEveryRecordAndTheOtherUsesAnswerAsTheySay() throws IOException {
        String r = "'" + results + "'";
        String l = "'" + later + "'";
        long records = count("SELECT count(*) FROM " + l);
        long unseen = count("SELECT count(DISTINCT device_id) FROM " + l + " WHERE device_id >= " + DEVICES);
        assertEquals(UNSEEN, unseen);

        Path chosen = dir.resolve("chosen.parquet");
        Cli run = score(store, stack, "chosen", chosen);
        assertEquals(0, run.code(), run.toString());
        assertTrue(run.out().contains(String.format("scored %,d of %,d records (%d devices) with session %s", records, records, DEVICES + UNSEEN, stack)),
                run.out());
        assertTrue(run.out().contains("  records by model: "), run.out());
        String c = "'" + chosen + "'";
        assertEquals(records, count("SELECT count(*) FROM " + c + " WHERE prediction IS NOT NULL AND NOT isnan(prediction)"), "every record predicted");
        assertEquals(records, count("SELECT count(DISTINCT record_id) FROM " + c));
        assertEquals(0, count("SELECT count(*) FROM " + c + " WHERE device_id >= " + DEVICES + " AND model IS DISTINCT FROM 'fleet/" + stack + "'"),
                "unseen devices get the fleet model");
        assertEquals(0, count("SELECT count(*) FROM " + c + " p JOIN " + r + " d USING (device_id) WHERE p.model IS DISTINCT FROM d.chosen || '/"
                + stack + "'"), "each known device answers with its chosen model");
        // the records-by-model line adds up to what was written
        for (List<Object> row : query("SELECT model, count(*) FROM " + c + " GROUP BY model")) {
            String kind = ((String) row.get(0)).substring(0, ((String) row.get(0)).indexOf('/'));
            assertTrue(run.out().contains(String.format("%s %,d", kind, ((Number) row.get(1)).longValue())), row + " in " + run.out());
        }

        Path device = dir.resolve("device.parquet");
        Cli deviceRun = score(store, stack, "device", device);
        assertEquals(0, deviceRun.code(), deviceRun.toString());
        String d = "'" + device + "'";
        long without = count("SELECT count(*) FROM " + l + " x LEFT JOIN " + r + " d USING (device_id) WHERE d.status IS DISTINCT FROM 'OK'");
        long withoutDevices = count("SELECT count(DISTINCT device_id) FROM " + l + " x LEFT JOIN " + r + " d USING (device_id) "
                + "WHERE d.status IS DISTINCT FROM 'OK'");
        assertTrue(deviceRun.out().contains(String.format("scored %,d of %,d records", records - without, records)), deviceRun.out());
        assertTrue(deviceRun.out().contains(String.format("no model: %,d devices, %,d records", withoutDevices, without)), deviceRun.out());
        assertEquals(without, count("SELECT count(*) FROM " + d + " p LEFT JOIN " + r + " s USING (device_id) WHERE s.status IS DISTINCT FROM 'OK' "
                + "AND p.prediction IS NULL AND p.model IS NULL"), "unseen and failed devices get no prediction");
        assertEquals(records - without, count("SELECT count(*) FROM " + d + " WHERE model = 'device/" + stack + "' AND prediction IS NOT NULL"));

        Path fleetOnly = dir.resolve("fleet.parquet");
        Cli fleetRun = score(store, stack, "fleet", fleetOnly);
        assertEquals(0, fleetRun.code(), fleetRun.toString());
        String f = "'" + fleetOnly + "'";
        assertTrue(fleetRun.out().contains(String.format("scored %,d of %,d records", records, records)), fleetRun.out());
        assertEquals(records, count("SELECT count(*) FROM " + f + " WHERE model = 'fleet/" + stack + "' AND prediction IS NOT NULL"),
                "the fleet model answers every record");
        assertEquals(0, count("SELECT count(*) FROM " + c + " p JOIN " + f + " q USING (record_id) WHERE p.model = 'fleet/" + stack
                + "' AND abs(p.prediction - q.prediction) > 1e-9"), "the fleet model predicts the same when it is the chosen one");

        Path stacked = dir.resolve("stack.parquet");
        Cli stackScore = score(store, stack, "stack", stacked);
        assertEquals(0, stackScore.code(), stackScore.toString());
        String s = "'" + stacked + "'";
        assertEquals(records, count("SELECT count(*) FROM " + s + " WHERE prediction IS NOT NULL"));
        assertEquals(0, count("SELECT count(*) FROM " + s + " p JOIN " + r + " d USING (device_id) WHERE d.status = 'OK' AND p.model IS DISTINCT FROM 'stack/"
                + stack + "'"), "devices with their own model answer with the stack");
        assertTrue(count("SELECT count(*) FROM " + s + " WHERE model = 'stack/" + stack + "'") > 0);
        assertEquals(0, count("SELECT count(*) FROM " + s + " p LEFT JOIN " + r + " d USING (device_id) WHERE d.status IS DISTINCT FROM 'OK' "
                + "AND p.model IS DISTINCT FROM 'fleet/" + stack + "'"), "the others with the fleet model");
        assertEquals(0, count("SELECT count(*) FROM " + c + " p JOIN " + s + " q USING (record_id) WHERE p.model = 'stack/" + stack
                + "' AND abs(p.prediction - q.prediction) > 1e-9"), "the stack predicts the same when it is the chosen one");
    }

    // 3. --fleet fallback, and a session without --fleet

    @Test
    void aFallbackSessionHasNoHierarchicalOrStackModelAndSaysSoWhenAskedForOne() throws IOException {
        String own = dir.resolve("store").toString();
        Cli fallback = train(own, "--fleet", "fallback", "--fleet-param", "n_estimators=20");
        assertEquals(0, fallback.code(), fallback.toString());
        assertTrue(fallback.out().contains("fleet models (--fleet fallback): "), fallback.out());
        assertEquals(List.of("device", "fleet", "chosen"), tableModels(fallback), fallback.out());
        Matcher chosen = Pattern.compile("chosen: device [\\d,]+, fleet [\\d,]+\\n").matcher(fallback.out());
        assertTrue(chosen.find(), "only device and fleet are chosen: " + fallback.out());
        String id = CliEndToEndTest.sessionId(fallback);

        Path out = dir.resolve("p.parquet");
        for (String use : List.of("stack", "hierarchical")) {
            Cli refused = score(own, id, use, out);
            assertUsageError(refused, "session " + id, "no " + use + " model", "--fleet fallback", "train with --fleet stack", "--use chosen");
            assertFalse(Files.exists(out), "nothing written");
        }
        Cli ok = score(own, id, "fleet", out);
        assertEquals(0, ok.code(), ok.toString());

        Cli plain = train(own);
        assertEquals(0, plain.code(), plain.toString());
        assertFalse(plain.out().contains("fleet models") || plain.out().contains("test MSE by model"), plain.out());
        String none = CliEndToEndTest.sessionId(plain);
        Path other = dir.resolve("q.parquet");
        assertUsageError(score(own, none, "fleet", other), "session " + none, "no fleet model", "without --fleet", "--fleet fallback or stack");
        assertUsageError(score(own, none, "stack", other), "session " + none, "no stack model", "without --fleet");
        assertFalse(Files.exists(other), "nothing written");
        Cli device = score(own, none, "device", other);
        assertEquals(0, device.code(), "--use device works on any session: " + device);
    }

    // 4. every device fails alone, the fleet model still answers

    @Test
    void aFleetWhoseDevicesAllFailAloneStillTrainsAndScoresThroughTheFleetModel() {
        String own = dir.resolve("store").toString();
        Cli train = train(own, "--fleet", "fallback", "--fleet-param", "n_estimators=20", "--min-rows", "100000");
        assertEquals(0, train.code(), train.toString());
        assertTrue(train.err().isEmpty(), train.err());
        assertTrue(train.out().contains("0 OK, " + DEVICES + " failed"), train.out());
        assertTrue(train.out().contains("chosen: device 0, fleet " + DEVICES), train.out());
        String id = CliEndToEndTest.sessionId(train);

        Path out = dir.resolve("p.parquet");
        Cli score = score(own, id, "chosen", out);
        assertEquals(0, score.code(), score.toString());
        long records = count("SELECT count(*) FROM '" + later + "'");
        assertTrue(score.out().contains(String.format("scored %,d of %,d records", records, records)), score.out());
        assertEquals(records, count("SELECT count(*) FROM '" + out + "' WHERE model = 'fleet/" + id + "' AND prediction IS NOT NULL"));
    }

    // 5. bad input

    @Test
    void badFleetOptionsAreOneLineUsageErrors() throws IOException {
        int before = sessionCount(store);
        assertUsageError(train(store, "--fleet", "bogus"), "bogus", "none, fallback or stack");
        Cli fractions = train(store, "--fleet", "stack", "--test-fraction", "0.5", "--validation-fraction", "0.5");
        assertUsageError(fractions, "validation fraction", "0.5");
        assertUsageError(train(store, "--validation-fraction", "0.3"), "--validation-fraction", "add --fleet fallback or --fleet stack");
        assertUsageError(train(store, "--fleet-param", "n_estimators=5"), "--fleet-param", "add --fleet fallback or --fleet stack");
        Path out = dir.resolve("p.parquet");
        assertUsageError(score(store, stack, "bogus", out), "bogus", "--use", "chosen, device, fleet, hierarchical or stack");
        assertFalse(Files.exists(out), "nothing written");
        assertEquals(before, sessionCount(store), "no session recorded");
    }

    // 6. devices

    @Test
    void devicesShowTheChosenModelAndTheFleetModelsErrors() throws IOException {
        Cli table = cli(store, "devices", stack, "--limit", "5");
        assertEquals(0, table.code(), table.toString());
        List<String> header = Arrays.asList(table.out().lines().skip(1).findFirst().orElseThrow().strip().split("\\s+"));
        assertTrue(header.containsAll(List.of("chosen", "fleet_mse", "hierarchical_mse", "stack_mse")), header.toString());
        int at = header.indexOf("chosen");
        List<String> values = table.out().lines().skip(2).limit(5).map(line -> line.strip().split("\\s+")[at]).toList();
        assertTrue(values.stream().allMatch(List.of("device", "fleet", "hierarchical", "stack")::contains), table.out());

        JsonNode json = JSON.readTree(cli(store, "devices", stack, "--json", "--limit", "0").out());
        assertEquals(DEVICES, json.get("devices").size());
        for (JsonNode device : json.get("devices")) {
            assertTrue(device.has("chosen") && device.has("fleet_mse"), device.toString());
            assertTrue(device.get("chosen").isTextual(), device.toString());
            if (device.get("status").asText().equals("FAILED")) {
                assertEquals("fleet", device.get("chosen").asText(), device.toString());
            }
            if (device.get("n_test").asLong() > 0) {
                assertTrue(device.get("fleet_mse").isNumber(), "a device with test rows has the fleet model's MSE: " + device);
            }
        }
    }

    @Test
    void sessionsShowPrintsTheFleetModelsAndTheirComparison() {
        Cli shown = cli(store, "sessions", "show", stack);
        assertEquals(0, shown.code(), shown.toString());
        assertTrue(shown.out().contains("  fleet models (--fleet stack): gradient_boosting fit on "), shown.out());
        assertTrue(shown.out().contains("  fleet: --fleet stack · gradient_boosting (defaults) · validation 0.2 of each device's rows · sample cap 2,000,000 rows"),
                shown.out());
        assertTrue(shown.out().lines().anyMatch(l -> l.strip().startsWith("chosen ")), shown.out());
    }

    // 7. sessions delete

    @Test
    void deletingAFleetSessionRemovesAllItsModelFiles() throws IOException {
        String own = dir.resolve("store").toString();
        Cli train = train(own, "--fleet", "stack", "--fleet-param", "n_estimators=20");
        assertEquals(0, train.code(), train.toString());
        String id = CliEndToEndTest.sessionId(train);
        Matcher m = Pattern.compile("store: .* \\(models under (\\S+)\\)").matcher(train.out());
        assertTrue(m.find(), train.out());
        Path folder = Path.of(URI.create(m.group(1)));
        assertEquals(id, folder.getFileName().toString());
        assertTrue(Files.exists(folder.resolve("fleet.zip")), "the fleet model is stored in the session's folder");
        try (Stream<Path> files = Files.list(folder)) {
            assertTrue(files.anyMatch(p -> p.getFileName().toString().endsWith("-residual.zip")), "residual models are stored too");
        }

        Cli delete = cli(own, "sessions", "delete", id);
        assertEquals(0, delete.code(), delete.toString());
        assertTrue(delete.out().startsWith("deleted session " + id), delete.out());
        assertEquals(2, cli(own, "sessions", "show", id).code(), "the session is gone");
        List<String> left = new ArrayList<>();
        if (Files.exists(folder)) {
            try (Stream<Path> files = Files.walk(folder)) {
                files.filter(Files::isRegularFile).forEach(p -> left.add(folder.relativize(p).toString()));
            }
        }
        assertEquals(List.of(), left, "no model file of the deleted session is left (" + delete.out().strip() + ")");
        assertFalse(Files.exists(folder), "the session's artifact folder is removed");
    }

    // 8. retrain

    @Test
    void retrainingAFleetSessionIsNotSupportedYetAndSaysWhatToDo() throws IOException {
        int before = sessionCount(store);
        assertUsageError(cli(store, "retrain", stack), "session " + stack, "--fleet stack", "not supported yet", "train a new session with --fleet");
        assertUsageError(cli(store, "retrain", stack, "--status", "FAILED"), "not supported yet");
        assertEquals(before, sessionCount(store), "no session recorded");
    }

    // help

    @Test
    void helpShowsTheFleetOptions() {
        Cli train = Cli.run("train", "--help");
        assertEquals(0, train.code(), train.toString());
        for (String option : List.of("--fleet=", "--fleet-algorithm", "--fleet-param", "--validation-fraction", "--fleet-sample-rows")) {
            assertTrue(train.out().contains(option), option + " in " + train.out());
        }
        assertTrue(train.out().contains("fallback") && train.out().contains("stack"), train.out());
        Cli score = Cli.run("score", "--help");
        assertEquals(0, score.code(), score.toString());
        assertTrue(score.out().contains("--use"), score.out());
        for (String use : List.of("chosen", "device", "fleet", "hierarchical", "stack")) {
            assertTrue(score.out().contains(use), use + " in " + score.out());
        }
    }

    @Test
    void theFleetModelsAlgorithmAndSampleCapAreTheUsersAndAFailedCommandKeepsEarlierOutputs() throws Exception {
        String own = dir.resolve("store-linear").toString();
        Path out = dir.resolve("results.parquet");
        Cli linear = train(own, "--fleet", "fallback", "--fleet-algorithm", "linear", "--fleet-sample-rows", "500", "--out", out.toString());
        assertEquals(0, linear.code(), linear.toString());
        assertTrue(linear.out().contains("fleet models (--fleet fallback): linear fit on "), linear.out());
        String id = CliEndToEndTest.sessionId(linear);
        JsonNode fleet = JSON.readTree(cli(own, "sessions", "show", id, "--json").out()).get("fleet");
        assertEquals("linear", fleet.get("algorithm").asText());
        assertTrue(fleet.get("sample_rows").asLong() > 0 && fleet.get("sample_rows").asLong() <= 500, fleet.toString());
        Path predictions = dir.resolve("predictions.parquet");
        assertEquals(0, score(own, id, "chosen", predictions).code());
        byte[] results = Files.readAllBytes(out);
        byte[] scored = Files.readAllBytes(predictions);

        assertUsageError(train(own, "--fleet", "fallback", "--fleet-algorithm", "bogus", "--out", out.toString()), "bogus");
        assertUsageError(score(own, id, "stack", predictions), "no stack model");
        assertArrayEquals(results, Files.readAllBytes(out), "a failed train leaves the results it did not write");
        assertArrayEquals(scored, Files.readAllBytes(predictions), "a refused score leaves the predictions it did not write");
    }
}
