package io.fleetml.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** generate → train → score → sessions → devices, as a user types them. */
class CliEndToEndTest {
    @TempDir
    Path dir;

    static String sessionId(Cli run) {
        Matcher m = Pattern.compile("session (\\d{8}-\\d{6}-[0-9a-f]{4})").matcher(run.out());
        assertTrue(m.find(), run.toString());
        return m.group(1);
    }

    @Test
    void generateTrainScoreAndLookBack() throws IOException {
        String store = dir.resolve("store").toString();
        Path fleet = dir.resolve("fleet.csv.gz");
        Cli gen = Cli.run("generate", "--devices", "5", "--rows-per-device", "400", "--out", fleet.toString(), "--seed", "7");
        assertEquals(0, gen.code(), gen.toString());
        Cli again = Cli.run("generate", "--devices", "5", "--rows-per-device", "400", "--out", dir.resolve("again.csv.gz").toString(), "--seed", "7");
        assertEquals(0, again.code());
        assertArrayEquals(gunzip(fleet), gunzip(dir.resolve("again.csv.gz")), "deterministic for a seed");

        Path results = dir.resolve("results.csv");
        Cli train = Cli.run("train", "--data", fleet.toString(), "--device-column", "device_id", "--features", "feature_1,feature_2,feature_3",
                "--label", "label", "--algorithm", "gradient_boosting", "--param", "n_estimators=50", "--param", "max_depth=3",
                "--experiment", "e2e", "--out", results.toString(), "--store", store);
        assertEquals(0, train.code(), train.toString());
        assertTrue(train.out().contains("5 OK, 0 failed, 0 skipped of 5"), train.out());
        String session = sessionId(train);
        List<String> rows = Files.readAllLines(results);
        assertEquals("device_id,n_used,n_test,model_uri,mse,rmse,mae,r2,status,error,train_ms,n_rows,n_dropped,train_mse,trained_in", rows.get(0));
        assertEquals(6, rows.size());
        assertTrue(rows.get(1).startsWith("0,320,80,file:"), rows.get(1));
        assertTrue(rows.get(1).contains(",OK,"), rows.get(1));

        Path predictions = dir.resolve("predictions.csv");
        Cli score = Cli.run("score", "--data", fleet.toString(), "--session", "latest", "--out", predictions.toString(), "--store", store);
        assertEquals(0, score.code(), score.toString());
        assertTrue(score.out().contains("scored 2,000 of 2,000 records (5 devices) with session " + session), score.out());
        List<String> p = Files.readAllLines(predictions);
        assertEquals("record_id,device_id,prediction,model", p.get(0));
        assertEquals(2001, p.size());
        String[] first = p.get(1).split(",");
        assertEquals("0", first[0]);
        assertEquals("0", first[1]);
        assertEquals("device/" + session, first[3]);
        double prediction = Double.parseDouble(first[2]);
        assertTrue(prediction > 0 && prediction < 7, "label is in (0, 7): " + prediction);

        Cli sessions = Cli.run("sessions", "--experiment", "e2e", "--store", store);
        assertEquals(0, sessions.code());
        assertTrue(sessions.out().contains(session) && sessions.out().contains("FINISHED") && sessions.out().contains("gradient_boosting"), sessions.out());
        assertTrue(Cli.run("sessions", "--experiment", "other", "--store", store).out().contains("no sessions"));

        Cli devices = Cli.run("devices", session, "--sort", "mse", "--store", store);
        assertEquals(0, devices.code(), devices.toString());
        assertEquals(2 + 5, devices.out().lines().count(), devices.out());
        assertTrue(Cli.run("devices", "latest", "--status", "FAILED", "--store", store).out().contains("0 of 0 devices"));
    }

    @Test
    void outputsKeepIntegerDeviceIdsAsIntegersAndTextAsText() throws Exception {
        String store = dir.resolve("store").toString();
        Path fleet = dir.resolve("fleet.parquet");
        assertEquals(0, Cli.run("generate", "--devices", "3", "--rows-per-device", "50", "--out", fleet.toString()).code());
        Path named = dir.resolve("named.parquet");
        try (var db = java.sql.DriverManager.getConnection("jdbc:duckdb:"); var st = db.createStatement()) {
            st.execute("COPY (SELECT * REPLACE ('sensor-' || device_id AS device_id) FROM '" + fleet + "') TO '" + named + "'");
        }
        for (Path data : List.of(fleet, named)) {
            String name = data.getFileName().toString().replace(".parquet", "");
            Cli train = Cli.run("train", "--data", data.toString(), "--device-column", "device_id", "--features", "feature_1,feature_2,feature_3",
                    "--label", "label", "--algorithm", "linear", "--out", dir.resolve(name + "-results.parquet").toString(), "--store", store);
            assertEquals(0, train.code(), train.toString());
            String session = sessionId(train);
            assertEquals(0, Cli.run("score", "--data", data.toString(), "--session", session, "--store", store,
                    "--out", dir.resolve(name + "-predictions.parquet").toString()).code());
            assertEquals(0, Cli.run("devices", session, "--store", store, "--out", dir.resolve(name + "-devices.parquet").toString()).code());
        }
        try (var db = java.sql.DriverManager.getConnection("jdbc:duckdb:"); var st = db.createStatement()) {
            for (String output : List.of("results", "predictions", "devices")) {
                assertEquals("BIGINT", typeOf(st, dir.resolve("fleet-" + output + ".parquet")), output);
                assertEquals("VARCHAR", typeOf(st, dir.resolve("named-" + output + ".parquet")), output);
            }
            try (var rs = st.executeQuery("SELECT count(*) FROM '" + dir.resolve("fleet-predictions.parquet") + "' p JOIN '" + fleet
                    + "' f ON p.record_id = f.record_id AND p.device_id = f.device_id")) {
                rs.next();
                assertEquals(150, rs.getLong(1), "predictions join back to the source on the device id as it is");
            }
        }
    }

    private static String typeOf(java.sql.Statement st, Path parquet) throws java.sql.SQLException {
        try (var rs = st.executeQuery("SELECT typeof(device_id) FROM '" + parquet + "' LIMIT 1")) {
            assertTrue(rs.next(), parquet + " has rows");
            return rs.getString(1);
        }
    }

    @Test
    void demoRunsTheWholeLoop() {
        Path demo = dir.resolve("demo");
        Cli run = Cli.run("demo", "--dir", demo.toString(), "--devices", "3", "--rows-per-device", "2000", "--store", dir.resolve("store").toString());
        assertEquals(0, run.code(), run.toString());
        assertTrue(run.out().contains("3 OK, 0 failed"), run.out());
        assertTrue(run.out().contains("scored 6,000 of 6,000 records"), run.out());
        assertTrue(Files.exists(demo.resolve("fleet.parquet")) && Files.exists(demo.resolve("results.csv"))
                && Files.exists(demo.resolve("predictions.parquet")));
    }

    private static byte[] gunzip(Path p) throws IOException {
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(p))) {
            return in.readAllBytes();
        }
    }
}
