package io.fleetml.cli;

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

import static org.junit.jupiter.api.Assertions.*;

/** Every bad input gets one clear line on stderr, a non-zero exit, and no finished session. */
class CliBadInputTest {
    @TempDir
    Path dir;
    Path fleet;
    String store;

    @BeforeEach
    void fleet() {
        fleet = dir.resolve("fleet.csv");
        SyntheticFleet.write(fleet, 3, 50, 1);
        store = dir.resolve("store").toString();
    }

    /** A valid train command with {@code overrides} (option, value pairs) replacing or adding options. */
    private Cli train(String... overrides) {
        List<String> args = new ArrayList<>(List.of("train", "--store", store, "--data", fleet.toString(), "--device-column", "device_id",
                "--features", "feature_1,feature_2,feature_3", "--label", "label"));
        for (int i = 0; i < overrides.length; i += 2) {
            int at = args.indexOf(overrides[i]);
            if (at >= 0) {
                args.set(at + 1, overrides[i + 1]);
            } else {
                args.addAll(Arrays.asList(overrides[i], overrides[i + 1]));
            }
        }
        return Cli.run(args.toArray(String[]::new));
    }

    private void assertOneLineError(Cli run, int code, String... parts) {
        assertEquals(code, run.code(), run.toString());
        String err = run.err().strip();
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), "no stack trace: " + err);
        for (String p : parts) {
            assertTrue(err.contains(p), "'" + err + "' should contain '" + p + "'");
        }
        assertFalse(Cli.run("sessions", "--store", store).out().contains("FINISHED"), "nothing presented as a finished session");
    }

    @Test
    void missingFile() {
        assertOneLineError(Cli.run("train", "--store", store, "--data", dir.resolve("nope.csv").toString(), "--device-column", "d",
                "--features", "a", "--label", "l"), 2, "file not found", "nope.csv");
    }

    @Test
    void unreadableFormat() throws IOException {
        Path broken = Files.writeString(dir.resolve("broken.parquet"), "this is not parquet");
        assertOneLineError(Cli.run("train", "--store", store, "--data", broken.toString(), "--device-column", "d",
                "--features", "a", "--label", "l"), 2, "cannot read", "broken.parquet");
        Path unknown = Files.writeString(dir.resolve("data.xlsx"), "?");
        assertOneLineError(Cli.run("train", "--store", store, "--data", unknown.toString(), "--device-column", "d",
                "--features", "a", "--label", "l"), 2, "unknown format", "data.xlsx");
    }

    @Test
    void misspeltColumnsGetTheClosestName() {
        assertOneLineError(train("--features", "feature_1,featur_2"), 2, "feature column 'featur_2' not found", "did you mean 'feature_2'");
        assertOneLineError(train("--label", "lable"), 2, "did you mean 'label'");
        assertOneLineError(train("--device-column", "device"), 2, "did you mean 'device_id'");
    }

    @Test
    void nonNumericFeatureIsNamed() throws IOException {
        Path csv = Files.writeString(dir.resolve("wd.csv"), "station,wd,TEMP,PM2.5\na,NE,1,2\na,SW,2,3\n");
        assertOneLineError(Cli.run("train", "--store", store, "--data", csv.toString(), "--device-column", "station",
                "--features", "TEMP,wd", "--label", "PM2.5"), 2, "feature column 'wd'", "not numeric");
    }

    @Test
    void emptyData() throws IOException {
        Path csv = Files.writeString(dir.resolve("empty.csv"), "device_id,feature_1,feature_2,feature_3,label\n");
        assertOneLineError(Cli.run("train", "--store", store, "--data", csv.toString(), "--device-column", "device_id",
                "--features", "feature_1,feature_2,feature_3", "--label", "label"), 2, "no rows", "empty.csv");
    }

    @Test
    void unknownSessionAndNoSessionYet() {
        assertOneLineError(Cli.run("sessions", "--store", store), 2, "no fleetml store at", "train into it first");
        io.fleetml.store.FleetStore.open(Path.of(store)).close(); // an empty store
        assertOneLineError(Cli.run("score", "--store", store, "--data", fleet.toString(), "--session", "20990101-000000-beef"), 2,
                "no session '20990101-000000-beef'", "fleetml sessions");
        assertOneLineError(Cli.run("score", "--store", store, "--data", fleet.toString(), "--session", "latest"), 2,
                "no finished session with a trained device");
        assertOneLineError(Cli.run("devices", "nope", "--store", store), 2, "no session 'nope'");
    }

    @Test
    void badParametersAndOptions() {
        assertOneLineError(train("--param", "n_estimator=5"), 2, "unknown parameter 'n_estimator'", "did you mean 'n_estimators'");
        assertOneLineError(train("--param", "max_depth=deep"), 2, "max_depth=deep is not a whole number");
        assertOneLineError(train("--algorithm", "svm"), 2, "unknown algorithm 'svm'", "random_forest");
        assertOneLineError(train("--test-fraction", "1.5"), 2, "test fraction");
        assertOneLineError(train("--out", dir.resolve("r.json").toString()), 2, "r.json", ".parquet");
        assertOneLineError(Cli.run("train", "--data", fleet.toString()), 2, "Missing required options");
    }

    @Test
    void noDeviceTrainedExitsNonZeroButKeepsTheSession() {
        Cli run = train("--min-rows", "1000");
        assertEquals(io.fleetml.command.ExitCode.NOTHING_DONE, run.code(), run.toString());
        assertTrue(run.err().contains("no device trained (3 failed, 0 skipped)"), run.err());
        assertTrue(run.out().contains("too few rows: 50 usable of 50 (need at least 1000)"), run.out());
        Cli devices = Cli.run("devices", CliEndToEndTest.sessionId(run), "--status", "FAILED", "--store", store);
        assertTrue(devices.out().contains("3 of 3 devices"), devices.out());
    }
}
