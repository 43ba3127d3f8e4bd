package io.fleetml.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleetml.data.DeviceIdType;
import io.fleetml.train.TrainOutcome;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class SqliteTrackingStoreTest extends TrackingStoreContract {
    @Override
    TrackingStore open(Path dir) {
        return SqliteTrackingStore.open(dir.resolve("fleetml.db"));
    }

    @Override
    String artifactRoot(Path dir) {
        return dir.resolve("artifacts").toAbsolutePath().toUri().toString();
    }

    @Test
    void theSchemaVersionIsTheNewestMigration() {
        var migrations = StoreSchema.migrations();
        assertEquals(String.valueOf(StoreSchema.VERSION), migrations[migrations.length - 1].getVersion().getVersion());
    }

    /** The tables as the first fleetml made them (before device-id types and migrations). */
    private static void firstSchema(Path file, boolean withDeviceIds) throws Exception {
        try (var db = DriverManager.getConnection("jdbc:sqlite:" + file); var st = db.createStatement()) {
            st.execute("CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)");
            st.execute("CREATE TABLE sessions (session_id TEXT PRIMARY KEY, experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id), "
                    + "status TEXT NOT NULL, started_at TEXT NOT NULL, ended_at TEXT, algorithm TEXT NOT NULL, spec TEXT NOT NULL, "
                    + "data_source TEXT NOT NULL, n_rows INTEGER NOT NULL, n_devices INTEGER NOT NULL, summary TEXT, "
                    + "artifact_root TEXT NOT NULL, error TEXT" + (withDeviceIds ? ", device_ids TEXT NOT NULL DEFAULT 'TEXT'" : "") + ")");
            st.execute("CREATE TABLE device_runs (session_id TEXT NOT NULL REFERENCES sessions(session_id), device_id TEXT NOT NULL, "
                    + "status TEXT NOT NULL, n_rows INTEGER NOT NULL, n_used INTEGER NOT NULL, n_test INTEGER NOT NULL, "
                    + "n_dropped INTEGER NOT NULL, mse REAL, rmse REAL, mae REAL, r2 REAL, train_mse REAL, model_uri TEXT, error TEXT, "
                    + "train_ms REAL NOT NULL, PRIMARY KEY (session_id, device_id)) WITHOUT ROWID");
            st.execute("INSERT INTO experiments VALUES (1, 'e', '2026-11-01T00:00:00Z')");
        }
    }

    @Test
    void aStoreFromBeforeDeviceIdTypesOpensAndItsSessionsWroteText() throws Exception {
        Path file = dir.resolve("fleetml.db");
        firstSchema(file, false);
        try (var db = DriverManager.getConnection("jdbc:sqlite:" + file);
             var ps = db.prepareStatement("INSERT INTO sessions VALUES ('20261101-000000-0001', 1, 'FINISHED', "
                     + "'2026-11-01T00:00:00Z', NULL, 'linear', ?, 'd', 1, 1, NULL, 'r', NULL)")) {
            ps.setString(1, new ObjectMapper().writeValueAsString(spec("e")));
            ps.executeUpdate();
        }
        try (TrackingStore store = SqliteTrackingStore.open(file)) {
            assertEquals(DeviceIdType.TEXT, store.session("20261101-000000-0001").orElseThrow().deviceIds());
            String id = store.startSession(plan("e", DeviceIdType.INTEGER)).id();
            assertEquals(List.of(DeviceIdType.INTEGER, DeviceIdType.TEXT), store.sessions(null).stream().map(SessionRecord::deviceIds).toList(),
                    "newest first: " + id);
        }
    }

    @Test
    void anOlderStoreIsUpgradedAndThenMovesWithItsModels() throws Exception {
        Path old = dir.resolve("old");
        Files.createDirectories(old);
        Path file = old.resolve("fleetml.db");
        firstSchema(file, true);
        String root = old.resolve("artifacts").toAbsolutePath().toUri().toString();
        String spec = new ObjectMapper().writeValueAsString(spec("e"));
        try (var db = DriverManager.getConnection("jdbc:sqlite:" + file); var st = db.createStatement()) {
            st.execute("INSERT INTO sessions VALUES ('20261101-000000-0001', 1, 'FINISHED', '2026-11-01T00:00:00Z', NULL, 'linear', '"
                    + spec + "', 'd', 3, 2, '{\"ok\":2,\"failed\":0,\"skipped\":0}', '" + root + "', NULL, 'INTEGER')");
            st.execute("INSERT INTO sessions VALUES ('20261101-000000-0002', 1, 'RUNNING', '2026-11-01T00:00:01Z', NULL, 'linear', '"
                    + spec + "', 'd', 3, 2, NULL, 'hdfs://nn/models/', NULL, 'TEXT')");
            for (String device : new String[] {"10", "9"}) {
                st.execute("INSERT INTO device_runs VALUES ('20261101-000000-0001', '" + device + "', 'OK', 10, 8, 2, 0, 1, 1, 1, 0.5, 1, '"
                        + root + "20261101-000000-0001/part-00000.zip!/" + device + "/', NULL, 1)");
            }
            st.execute("INSERT INTO device_runs VALUES ('20261101-000000-0002', 'x', 'OK', 10, 8, 2, 0, 1, 1, 1, 0.5, 1, "
                    + "'hdfs://nn/models/20261101-000000-0002/x/', NULL, 1)");
        }
        try (TrackingStore store = SqliteTrackingStore.open(file)) {
            SessionRecord s = store.session("20261101-000000-0001").orElseThrow();
            assertEquals(root, s.artifactRoot());
            assertEquals(List.of("9", "10"), ids(store.devices(s.id(), DeviceQuery.ALL)), "integer ids now in number order");
            assertEquals(s.id(), store.latest("e").orElseThrow().id(), "outcome counts taken from the summary");
            SessionRecord stuck = store.session("20261101-000000-0002").orElseThrow();
            assertEquals(SessionStatus.INTERRUPTED, stuck.status(), "an older fleetml's running session cannot be running now");
            assertEquals("spark", stuck.engine());
            assertEquals("hdfs://nn/models/", stuck.artifactRoot(), "a location outside the store stays as it was");
            assertEquals("hdfs://nn/models/20261101-000000-0002/x/", store.device(stuck.id(), "x").orElseThrow().modelUri());
        }
        Path moved = dir.resolve("moved store");
        Files.move(old, moved);
        try (TrackingStore store = SqliteTrackingStore.openExisting(moved.resolve("fleetml.db"))) {
            String movedRoot = moved.resolve("artifacts").toAbsolutePath().toUri().toString();
            assertEquals(movedRoot, store.session("20261101-000000-0001").orElseThrow().artifactRoot());
            TrainOutcome nine = store.device("20261101-000000-0001", "9").orElseThrow();
            assertEquals(movedRoot + "20261101-000000-0001/part-00000.zip!/9/", nine.modelUri(), "the moved store reads its own packs");
        }
    }

    /** A store as the version before the registry left it (schema 3, with a finished session) gains the registry on opening. */
    @Test
    void aStoreFromBeforeTheRegistryIsUpgradedAndItsSessionsRegister() throws Exception {
        Path file = dir.resolve("fleetml.db");
        String id;
        try (TrackingStore store = open(dir)) {
            id = store.startSession(plan("e", DeviceIdType.TEXT)).id();
            store.recordDevices(id, List.of(ok("a", 1)));
            store.finishSession(id, SessionStatus.FINISHED, summary(1, 0), 1, null);
        }
        try (var db = DriverManager.getConnection("jdbc:sqlite:" + file); var st = db.createStatement()) {
            for (String table : new String[] {"model_aliases", "model_versions", "registered_models"}) {
                st.execute("DROP TABLE " + table);
            }
            st.execute("DROP INDEX device_runs_by_device");
            st.execute("DELETE FROM flyway_schema_history WHERE version = '4'");
            assertEquals(3, StoreSchema.version(db));
        }
        try (TrackingStore store = SqliteTrackingStore.openExisting(file)) {
            assertEquals(1, store.registry().register("pumps", id, "champion", null, null).version());
            assertEquals(id, store.registry().version(io.fleetml.registry.ModelName.parse("pumps@champion")).sessionId());
        }
        try (var db = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            assertEquals(StoreSchema.VERSION, StoreSchema.version(db));
        }
    }

    @Test
    void openingAStoreThatIsNotThereCreatesNothing() {
        Path missing = dir.resolve("no/such/dir");
        StoreException e = assertThrows(StoreException.class, () -> SqliteTrackingStore.openExisting(missing.resolve("fleetml.db")));
        assertEquals(StoreException.Kind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("no fleetml store at " + missing.toAbsolutePath()), e.getMessage());
        assertFalse(Files.exists(missing.getParent()));
    }

    @Test
    void aRunningSessionWhoseProcessDiedReadsAsInterruptedAndIsRecordedSo() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        try (TrackingStore store = open(dir)) {
            SessionRecord s = store.startSession(plan("e", DeviceIdType.TEXT));
            SessionOwner me = SessionOwner.current();
            try (var db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("fleetml.db"));
                 var ps = db.prepareStatement("UPDATE sessions SET owner = ? WHERE session_id = ?")) {
                ps.setString(1, new SessionOwner(me.host(), gone.pid(), me.processStart()).toString());
                ps.setString(2, s.id());
                ps.executeUpdate();
            }
            assertEquals(SessionStatus.INTERRUPTED, store.session(s.id()).orElseThrow().status());
            SessionRecord other = store.startSession(plan("e", DeviceIdType.TEXT));
            assertEquals(List.of(s.id()), store.markInterrupted().stream().map(SessionRecord::id).toList());
            assertTrue(store.session(s.id()).orElseThrow().error().contains("fleetml resume " + s.id()));
            assertEquals(SessionStatus.RUNNING, store.session(other.id()).orElseThrow().status(), "this process lives");
            assertEquals(List.of(), store.markInterrupted());
        }
    }

    @Test
    void aSessionOnAnotherHostIsInterruptedWhenItsHeartbeatIsStale() {
        SessionOwner elsewhere = new SessionOwner("another-host", 1, 1);
        java.time.Instant now = java.time.Instant.now();
        assertFalse(elsewhere.interrupted(now.minusSeconds(30), SqliteTrackingStore.STALE_AFTER, now));
        assertTrue(elsewhere.interrupted(now.minusSeconds(600), SqliteTrackingStore.STALE_AFTER, now));
        assertFalse(SessionOwner.current().interrupted(now.minusSeconds(600), SqliteTrackingStore.STALE_AFTER, now),
                "a live process on this host is running, however slow its heartbeat");
        assertEquals(elsewhere, SessionOwner.parse(elsewhere.toString()));
    }
}
