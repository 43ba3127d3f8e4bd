package io.fleetml.cli;

import io.fleetml.data.SyntheticFleet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A store on a read-only mount (a shared team folder, a backup) can be listed and scored from, and refuses changes
 * with one line. The mount is real: each command runs in its own mount namespace (unshare, as root) where the
 * store is bind-mounted read-only, so SQLite meets a read-only file system as it would in the field.
 */
@Tag("slow")
class ReadOnlyStoreTest {
    @TempDir
    Path dir;

    private Cli readOnly(Path store, Path mount, String... args) throws Exception {
        List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), FleetCli.class.getName()));
        java.addAll(List.of(args));
        String command = "mount --bind '" + store + "' '" + mount + "' && mount -o remount,bind,ro '" + mount + "' && exec \"$@\"";
        List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "sh", "-c", command, "sh"));
        cmd.addAll(java);
        Process p = new ProcessBuilder(cmd).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Cli(p.exitValue(), out, err);
    }

    @Test
    void aReadOnlyStoreIsListedAndScoredFromButNotChanged() throws Exception {
        Path fleet = dir.resolve("fleet.parquet");
        SyntheticFleet.write(fleet, 3, 50, 1);
        Path store = dir.resolve("store");
        Cli train = Cli.run("train", "--data", fleet.toString(), "--device-column", "device_id", "--features", "feature_1,feature_2,feature_3",
                "--label", "label", "--algorithm", "linear", "--store", store.toString());
        assertEquals(0, train.code(), train.toString());
        String session = CliEndToEndTest.sessionId(train);
        Path mount = Files.createDirectories(dir.resolve("mounted"));

        Cli sessions = readOnly(store, mount, "sessions", "--store", mount.toString());
        assertEquals(0, sessions.code(), "needs root and unshare (util-linux): " + sessions);
        assertTrue(sessions.out().contains(session) && sessions.out().contains("FINISHED"), sessions.out());
        Cli devices = readOnly(store, mount, "devices", "latest", "--sort", "mse", "--store", mount.toString());
        assertEquals(0, devices.code(), devices.toString());
        assertTrue(devices.out().contains("1–3 of 3 devices"), devices.out());
        Cli score = readOnly(store, mount, "score", "--data", fleet.toString(), "--session", session, "--store", mount.toString());
        assertEquals(0, score.code(), score.toString());
        assertTrue(score.out().contains("scored 150 of 150 records"), score.out());

        Cli delete = readOnly(store, mount, "sessions", "delete", session, "--store", mount.toString());
        assertEquals(5, delete.code(), delete.toString());
        assertTrue(delete.err().contains("is read-only"), delete.err());
        assertEquals(1, delete.err().strip().lines().count(), delete.err());
        Cli again = readOnly(store, mount, "train", "--data", fleet.toString(), "--device-column", "device_id", "--features", "feature_1",
                "--label", "label", "--store", mount.toString());
        assertEquals(5, again.code(), again.toString());
        assertTrue(Cli.run("sessions", "--store", store.toString()).out().contains(session), "nothing changed");
    }
}
