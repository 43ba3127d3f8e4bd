package io.fleetml.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleetml.data.SyntheticFleet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** What a user does with sessions over their life, as they type it: outputs kept safe, latest, show, list, page, retrain, delete, move. */
class CliLifecycleTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;
    Path fleet;
    String store;

    @BeforeEach
    void fleet() {
        fleet = dir.resolve("fleet.csv");
        SyntheticFleet.write(fleet, 4, 60, 1);
        store = dir.resolve("store").toString();
    }

    private Cli train(Path data, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--store", store, "--data", data.toString(), "--device-column", "device_id",
                "--features", "feature_1,feature_2,feature_3", "--label", "label", "--algorithm", "linear"));
        args.addAll(Arrays.asList(more));
        return Cli.run(args.toArray(String[]::new));
    }

    private Cli cli(String... args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.addAll(List.of("--store", store));
        return Cli.run(all.toArray(String[]::new));
    }

    /** A CSV of the fleet without one feature column: scoring or training on it fails on bad input. */
    private Path withoutFeature2() throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(fleet)) {
            String[] f = line.split(",");
            out.add(String.join(",", f[0], f[1], f[2], f[4], f[5]));
        }
        return Files.write(dir.resolve("bad.csv"), out);
    }

    private void assertNoTemporaryFiles() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            assertEquals(List.of(), files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList());
        }
    }

    @Test
    void aFailedCommandLeavesThePreviousOutputsAsTheyWere() throws IOException {
        Path results = dir.resolve("results.csv");
        Path predictions = dir.resolve("predictions.csv");
        Path devices = dir.resolve("devices.parquet");
        assertEquals(0, train(fleet, "--out", results.toString()).code());
        assertEquals(0, cli("score", "--data", fleet.toString(), "--session", "latest", "--out", predictions.toString()).code());
        assertEquals(0, cli("devices", "latest", "--out", devices.toString()).code());
        byte[] r = Files.readAllBytes(results);
        byte[] p = Files.readAllBytes(predictions);
        byte[] d = Files.readAllBytes(devices);
        Path bad = withoutFeature2();

        Cli score = cli("score", "--data", bad.toString(), "--session", "latest", "--out", predictions.toString());
        assertEquals(2, score.code(), score.toString());
        assertTrue(score.err().contains("feature_2"), score.err());
        Cli trainAgain = train(bad, "--out", results.toString());
        assertEquals(2, trainAgain.code(), trainAgain.toString());
        assertEquals(2, cli("devices", "nope", "--out", devices.toString()).code());
        assertEquals(2, Cli.run("generate", "--devices", "0", "--out", fleet.toString()).code());

        assertArrayEquals(r, Files.readAllBytes(results), "train --out");
        assertArrayEquals(p, Files.readAllBytes(predictions), "score --out");
        assertArrayEquals(d, Files.readAllBytes(devices), "devices --out");
        assertNoTemporaryFiles();
    }

    @Test
    void latestIsTheNewestFinishedSessionWithAModelAndScoringNothingIsAnError() {
        Cli good = train(fleet, "--experiment", "a");
        String goodId = CliEndToEndTest.sessionId(good);
        Cli allFailed = train(fleet, "--experiment", "b", "--min-rows", "1000");
        assertEquals(3, allFailed.code(), allFailed.toString());
        String failedId = CliEndToEndTest.sessionId(allFailed);

        Cli latest = cli("score", "--data", fleet.toString(), "--session", "latest");
        assertEquals(0, latest.code(), latest.toString());
        assertTrue(latest.out().contains("with session " + goodId), "not the newer session where every device failed: " + latest.out());
        Cli inB = cli("score", "--data", fleet.toString(), "--session", "latest", "--experiment", "b");
        assertEquals(2, inB.code(), inB.toString());
        assertTrue(inB.err().contains("no finished session with a trained device") && inB.err().contains("experiment 'b'"), inB.err());
        Cli nothing = cli("score", "--data", fleet.toString(), "--session", failedId);
        assertEquals(3, nothing.code(), nothing.toString());
        assertTrue(nothing.err().contains("no record predicted: none of the 4 devices has a usable model"), nothing.err());
    }

    @Test
    void commonMistakesGetOneLineAndNoStoreIsCreated() {
        Cli zero = train(fleet, "--threads", "0");
        assertEquals(2, zero.code(), zero.toString());
        assertEquals("fleetml: error: threads must be at least 1, got 0", zero.err().strip());
        Path missing = dir.resolve("no/such/store");
        for (String[] args : List.of(new String[] {"sessions"}, new String[] {"sessions", "show", "latest"}, new String[] {"devices", "latest"},
                new String[] {"score", "--data", fleet.toString(), "--session", "latest"}, new String[] {"resume", "x"},
                new String[] {"sessions", "delete", "x"})) {
            List<String> all = new ArrayList<>(Arrays.asList(args));
            all.addAll(List.of("--store", missing.toString()));
            Cli run = Cli.run(all.toArray(String[]::new));
            assertEquals(2, run.code(), run.toString());
            assertEquals(1, run.err().strip().lines().count(), run.err());
            assertTrue(run.err().contains("no fleetml store at " + missing.toAbsolutePath()), run.err());
        }
        assertFalse(Files.exists(dir.resolve("no")), "reading commands create nothing");
    }

    @Test
    void sessionsShowAndListForPeopleAndForScripts() throws IOException {
        String id = CliEndToEndTest.sessionId(train(fleet, "--param", "alpha=0.5", "--time-column", "record_id", "--experiment", "shown"));
        Cli show = cli("sessions", "show", id);
        assertEquals(0, show.code(), show.toString());
        for (String expected : List.of("session " + id, "FINISHED", "label label", "features feature_1, feature_2, feature_3",
                "algorithm linear {alpha=0.5}", "last 0.2 by record_id", "4 OK", fleet.toString(), "device column device_id")) {
            assertTrue(show.out().contains(expected), "'" + expected + "' in " + show.out());
        }
        JsonNode json = JSON.readTree(cli("sessions", "show", "latest", "--json").out());
        assertEquals(id, json.get("session_id").asText());
        assertEquals("label", json.get("label").asText());
        assertEquals("0.5", json.get("params").get("alpha").asText());
        assertEquals(4, json.get("summary").get("ok").asInt());
        assertEquals("INTEGER", json.get("device_ids").asText());

        Cli list = cli("sessions");
        assertTrue(list.out().lines().findFirst().orElseThrow().contains("label"), list.out());
        assertTrue(list.out().contains(" label ") && list.out().contains("linear"), list.out());
        JsonNode all = JSON.readTree(cli("sessions", "--json").out());
        assertTrue(all.isArray());
        assertEquals(id, all.get(0).get("session_id").asText());
    }

    @Test
    void devicesAreFilteredSortedAndPaged() throws IOException {
        Path fleet20 = dir.resolve("fleet20.parquet");
        SyntheticFleet.write(fleet20, 20, 30, 2);
        String id = CliEndToEndTest.sessionId(train(fleet20));
        Cli page = cli("devices", id, "--limit", "5", "--offset", "5");
        assertEquals(0, page.code(), page.toString());
        assertTrue(page.out().contains("6–10 of 20 devices"), page.out());
        List<String> ids = page.out().lines().skip(2).limit(5).map(l -> l.split("\\s+")[0]).toList();
        assertEquals(List.of("5", "6", "7", "8", "9"), ids, "integer ids by number");
        assertTrue(page.out().contains("10 more: --offset 10"), page.out());
        JsonNode worst = JSON.readTree(cli("devices", id, "--sort", "mse", "--limit", "3", "--json").out());
        assertEquals(20, worst.get("total").asInt());
        assertEquals(3, worst.get("devices").size());
        double first = worst.get("devices").get(0).get("mse").asDouble();
        assertTrue(first >= worst.get("devices").get(1).get("mse").asDouble() && first >= worst.get("devices").get(2).get("mse").asDouble());
        JsonNode search = JSON.readTree(cli("devices", id, "--search", "1", "--limit", "0", "--json").out());
        assertEquals(11, search.get("total").asInt(), "1 and 10-19");
        Cli none = cli("devices", id, "--status", "FAILED,SKIPPED");
        assertTrue(none.out().contains("0 of 0 devices with status FAILED,SKIPPED"), none.out());
        assertEquals(2, cli("devices", id, "--sort", "best").code());
    }

    @Test
    void aRetrainingRepairsSomeDevicesAndTheFleetStaysWholeThroughDeletes() throws IOException {
        // devices 0-3 with 60 rows each, then two small devices that fail with --min-rows 40
        List<String> lines = new ArrayList<>(Files.readAllLines(fleet));
        List<String> more = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            lines.add(String.format(Locale.ROOT, "%d,%d,0.5,0.5,0.5,%f", 1000 + i, 4 + i % 2, 1.5 + i % 3 / 10.0));
        }
        for (int i = 0; i < 80; i++) {
            more.add(String.format(Locale.ROOT, "%d,%d,%f,0.5,0.5,%f", 2000 + i, 4 + i % 2, i / 80.0, 1 + i / 80.0));
        }
        Path first = Files.write(dir.resolve("first.csv"), lines);
        List<String> repaired = new ArrayList<>(lines);
        repaired.addAll(more);
        Path second = Files.write(dir.resolve("second.csv"), repaired);
        Cli trained = train(first, "--min-rows", "40");
        assertEquals(0, trained.code(), trained.toString());
        assertTrue(trained.out().contains("4 OK, 2 failed"), trained.out());
        String parent = CliEndToEndTest.sessionId(trained);

        Path results = dir.resolve("retrained.csv");
        Cli retrain = cli("retrain", "latest", "--data", second.toString(), "--param", "alpha=0.1", "--out", results.toString());
        assertEquals(0, retrain.code(), retrain.toString());
        String child = CliEndToEndTest.sessionId(retrain);
        assertNotEquals(parent, child);
        assertTrue(retrain.out().contains("retrained 2 devices (devices FAILED or SKIPPED in " + parent + "); 4 carried over from " + parent),
                retrain.out());
        assertTrue(retrain.out().contains("6 OK, 0 failed"), retrain.out());
        List<String> rows = Files.readAllLines(results);
        assertTrue(rows.get(0).endsWith(",trained_in"), rows.get(0));
        assertEquals(4, rows.stream().filter(r -> r.endsWith("," + parent)).count(), "four rows carried over");
        assertTrue(cli("sessions", "show", child).out().contains("retrained from " + parent), "lineage is shown");

        Path predictions = dir.resolve("p.csv");
        Cli score = cli("score", "--data", second.toString(), "--session", child, "--out", predictions.toString());
        assertEquals(0, score.code(), score.toString());
        assertTrue(score.out().contains("scored 340 of 340 records (6 devices)"), score.out());
        List<String> models = Files.readAllLines(predictions).stream().skip(1).map(l -> l.substring(l.lastIndexOf(',') + 1)).distinct().sorted().toList();
        assertEquals(List.of("device/" + parent, "device/" + child).stream().sorted().toList(), models);

        Path artifacts = dir.resolve("store/artifacts");
        Cli deleteParent = cli("sessions", "delete", parent);
        assertEquals(0, deleteParent.code(), deleteParent.toString());
        assertTrue(Files.exists(artifacts.resolve(parent)), "the models the child inherited stay");
        assertEquals(0, cli("score", "--data", second.toString(), "--session", child).code(), "the child still scores every device");
        assertTrue(cli("score", "--data", second.toString(), "--session", child).out().contains("scored 340 of 340"));
        assertEquals(2, cli("sessions", "show", parent).code(), "gone");
        Cli deleteChild = cli("sessions", "delete", child);
        assertEquals(0, deleteChild.code(), deleteChild.toString());
        try (Stream<Path> left = Files.walk(artifacts)) {
            assertEquals(List.of(artifacts), left.toList(), "no model file is left once no session uses it");
        }
        assertTrue(cli("sessions").out().contains("no sessions"));
        assertEquals(2, cli("sessions", "delete", child).code());
    }

    @Test
    void retrainTakesItsDevicesFromAListOrFromADevicesFile() throws IOException {
        String parent = CliEndToEndTest.sessionId(train(fleet));
        Path list = Files.writeString(dir.resolve("devices.txt"), "1\n\n 3 \n");
        Cli fromList = cli("retrain", parent, "--devices-from", list.toString());
        assertEquals(0, fromList.code(), fromList.toString());
        assertTrue(fromList.out().contains("retrained 2 devices (2 named devices); 2 carried over"), fromList.out());
        Path worst = dir.resolve("worst.csv");
        assertEquals(0, cli("devices", parent, "--sort", "mse", "--out", worst.toString()).code());
        Cli fromTable = cli("retrain", parent, "--devices-from", worst.toString());
        assertEquals(0, fromTable.code(), fromTable.toString());
        assertTrue(fromTable.out().contains("retrained 4 devices (4 named devices); 0 carried over"), fromTable.out());
        Cli missing = cli("retrain", parent, "--devices-from", dir.resolve("nope.txt").toString());
        assertEquals(2, missing.code(), missing.toString());
        assertTrue(missing.err().contains("cannot read --devices-from") && missing.err().contains("nope.txt"), missing.err());
    }

    @Test
    void aRunningSessionIsNeitherDeletedNorResumed() {
        String done = CliEndToEndTest.sessionId(train(fleet));
        String running;
        try (var tracking = io.fleetml.store.SqliteTrackingStore.open(Path.of(store, "fleetml.db"))) {
            running = tracking.startSession(new io.fleetml.store.SessionPlan(io.fleetml.train.TrainSpec.builder("device_id",
                    List.of("feature_1"), "label").build(), "fleet.csv", null, 1, 1, io.fleetml.data.DeviceIdType.INTEGER,
                    dir.resolve("store/artifacts").toUri().toString(), null, null, "local")).id(); // this process owns it, and lives
        }
        Cli delete = cli("sessions", "delete", done, running);
        assertEquals(4, delete.code(), delete.toString());
        assertTrue(delete.err().contains("session " + running + " is running") && delete.err().contains("nothing was deleted"), delete.err());
        assertEquals(0, cli("sessions", "show", done).code(), "the other one was not deleted either");
        Cli resume = cli("resume", running);
        assertEquals(4, resume.code(), resume.toString());
        assertTrue(resume.err().contains("is RUNNING (process "), resume.err());
        assertTrue(cli("sessions").out().contains("RUNNING"));
    }

    @Test
    void aMovedOrCopiedStoreScoresWithItsOwnModels() throws IOException {
        String id = CliEndToEndTest.sessionId(train(fleet));
        Path before = dir.resolve("before.csv");
        assertEquals(0, cli("score", "--data", fleet.toString(), "--session", id, "--out", before.toString()).code());
        Path moved = dir.resolve("elsewhere/the store");
        Files.createDirectories(moved.getParent());
        Files.move(Path.of(store), moved);
        Path after = dir.resolve("after.csv");
        Cli score = Cli.run("score", "--data", fleet.toString(), "--session", id, "--out", after.toString(), "--store", moved.toString());
        assertEquals(0, score.code(), score.toString());
        assertEquals(Files.readAllLines(before), Files.readAllLines(after));
        JsonNode device = JSON.readTree(Cli.run("devices", id, "--store", moved.toString(), "--limit", "1", "--json").out()).get("devices").get(0);
        assertTrue(device.get("model_uri").asText().startsWith(moved.toUri().toString()), "model URIs point into the moved store: " + device);
    }

    @Test
    void aDeletedModelPackCostsItsDevicesTheirPredictionsAndNamesThem() throws IOException {
        String id = CliEndToEndTest.sessionId(train(fleet));
        try (Stream<Path> packs = Files.list(dir.resolve("store/artifacts").resolve(id))) {
            for (Path pack : packs.toList()) {
                Files.write(pack, "garbage".getBytes());
            }
        }
        Cli score = cli("score", "--data", fleet.toString(), "--session", id);
        assertEquals(3, score.code(), score.toString());
        assertTrue(score.out().contains("model unreadable: 4 devices, 240 records"), score.out());
        assertTrue(score.out().contains("    0: cannot read"), score.out());
        assertTrue(score.err().contains("no device's model could be read"), score.err());
    }

    @Test
    void scoringPassesColumnsThroughAndTakesAnotherRecordId() throws Exception {
        Path data = dir.resolve("with-time.parquet");
        try (var db = java.sql.DriverManager.getConnection("jdbc:duckdb:"); var st = db.createStatement()) {
            st.execute("COPY (SELECT *, 'evt-' || record_id AS event, TIMESTAMP '2026-01-01' + to_seconds(record_id) AS ts FROM '"
                    + fleet + "') TO '" + data + "'");
        }
        String id = CliEndToEndTest.sessionId(train(fleet));
        Path out = dir.resolve("kept.parquet");
        Cli score = cli("score", "--data", data.toString(), "--session", id, "--keep", "ts,label", "--id-column", "event", "--out", out.toString());
        assertEquals(0, score.code(), score.toString());
        try (var db = java.sql.DriverManager.getConnection("jdbc:duckdb:"); var st = db.createStatement();
             var rs = st.executeQuery("SELECT count(*), count(DISTINCT p.record_id), bool_and(p.ts = d.ts AND p.label = d.label AND "
                     + "p.device_id = d.device_id), min(typeof(p.ts)) FROM '" + out + "' p JOIN '" + data + "' d ON p.record_id = d.event")) {
            rs.next();
            assertEquals(240, rs.getLong(1));
            assertEquals(240, rs.getLong(2));
            assertTrue(rs.getBoolean(3), "each prediction carries its own record's columns");
            assertEquals("TIMESTAMP", rs.getString(4), "kept columns keep their type");
        }
        try (var db = java.sql.DriverManager.getConnection("jdbc:duckdb:"); var st = db.createStatement();
             var rs = st.executeQuery("SELECT string_agg(name, ',' ORDER BY rowid) FROM (SELECT name, row_number() OVER () AS rowid FROM "
                     + "parquet_schema('" + out + "') WHERE name <> 'duckdb_schema')")) {
            rs.next();
            assertEquals("record_id,device_id,prediction,model,ts,label", rs.getString(1));
        }
        Cli noOut = cli("score", "--data", data.toString(), "--session", id, "--keep", "ts");
        assertEquals(2, noOut.code(), noOut.toString());
        Cli missing = cli("score", "--data", data.toString(), "--session", id, "--keep", "tss", "--out", out.toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("'tss'") && missing.err().contains("did you mean 'ts'"), missing.err());
    }
}
