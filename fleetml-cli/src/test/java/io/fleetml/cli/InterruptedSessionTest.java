package io.fleetml.cli;

import io.fleetml.data.SyntheticFleet;
import io.fleetml.store.ArtifactFiles;
import io.fleetml.store.DeviceQuery;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.SessionStatus;
import io.fleetml.store.SqliteTrackingStore;
import io.fleetml.train.TrainOutcome;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A training process killed with SIGKILL (as the OOM killer or a lost node does) leaves a session that reads as
 * INTERRUPTED, and {@code fleetml resume} finishes it without training a finished device again.
 */
@Tag("slow")
class InterruptedSessionTest {
    @TempDir
    Path dir;

    @Test
    void aKilledSessionIsInterruptedAndResumes() throws Exception {
        Path fleet = dir.resolve("fleet.parquet");
        SyntheticFleet.write(fleet, 3000, 40, 5);
        Path store = dir.resolve("store");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), FleetCli.class.getName(), "train", "--data", fleet.toString(),
                "--device-column", "device_id", "--features", "feature_1,feature_2,feature_3", "--label", "label",
                "--param", "n_estimators=20", "--param", "max_depth=4", "--threads", "1", "--store", store.toString()));
        Process training = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("train.log").toFile()).start();
        String session = null;
        long recorded = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (recorded == 0 && System.nanoTime() < deadline && training.isAlive()) {
            Thread.sleep(50);
            if (Files.exists(store.resolve("fleetml.db"))) {
                try (SqliteTrackingStore tracking = SqliteTrackingStore.openExisting(store.resolve("fleetml.db"))) {
                    List<SessionRecord> sessions = tracking.sessions(null);
                    if (!sessions.isEmpty()) {
                        session = sessions.get(0).id();
                        recorded = tracking.countDevices(session, DeviceQuery.ALL);
                    }
                }
            }
        }
        assertTrue(training.isAlive(), "still training when the first batch was recorded: " + Files.readString(dir.resolve("train.log")));
        training.destroyForcibly(); // SIGKILL: no shutdown hook, no finally
        assertTrue(training.waitFor(30, TimeUnit.SECONDS));
        assertNotNull(session);

        Cli sessions = Cli.run("sessions", "--store", store.toString());
        assertTrue(sessions.out().contains(session) && sessions.out().contains("INTERRUPTED"), sessions.out());
        Map<String, String> before;
        try (SqliteTrackingStore tracking = SqliteTrackingStore.openExisting(store.resolve("fleetml.db"))) {
            assertEquals(SessionStatus.INTERRUPTED, tracking.session(session).orElseThrow().status());
            before = tracking.devices(session, DeviceQuery.ALL).stream().filter(o -> o.modelUri() != null)
                    .collect(Collectors.toMap(TrainOutcome::deviceId, TrainOutcome::modelUri));
        }
        assertFalse(before.isEmpty());
        Path leftover = store.resolve("artifacts").resolve(session).resolve(ArtifactFiles.temporaryName("part-00042.zip"));
        Files.write(leftover, new byte[100]); // what a kill in the middle of writing a pack leaves

        Cli resume = Cli.run("resume", session, "--threads", "2", "--store", store.toString());
        assertEquals(0, resume.code(), resume.toString());
        assertTrue(resume.out().contains("session " + session), resume.out());
        assertTrue(resume.out().contains("resumed: trained the "), resume.out());
        assertTrue(resume.out().contains("3,000 OK, 0 failed, 0 skipped of 3,000"), resume.out());
        assertFalse(Files.exists(leftover), "the interrupted writer's temporary file is gone");
        try (SqliteTrackingStore tracking = SqliteTrackingStore.openExisting(store.resolve("fleetml.db"))) {
            assertEquals(SessionStatus.FINISHED, tracking.session(session).orElseThrow().status());
            assertEquals(3000, tracking.countDevices(session, DeviceQuery.ALL));
            for (var e : before.entrySet()) {
                assertEquals(e.getValue(), tracking.device(session, e.getKey()).orElseThrow().modelUri(), "not trained again: " + e.getKey());
            }
        }
        Cli again = Cli.run("resume", session, "--store", store.toString());
        assertEquals(4, again.code(), again.toString());
        assertTrue(again.err().contains("is FINISHED; nothing to resume"), again.err());
        Cli score = Cli.run("score", "--data", fleet.toString(), "--session", session, "--store", store.toString());
        assertEquals(0, score.code(), score.toString());
        assertTrue(score.out().contains("scored 120,000 of 120,000 records"), score.out());
    }
}
