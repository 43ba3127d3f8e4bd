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
        assertEquals("device_id,n_used,n_test,model_uri,mse,rmse,mae,r2,status,error,train_ms,n_rows,n_dropped,train_mse", rows.get(0));
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
