package io.fleetml.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleetml.data.DeviceIdType;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SqliteTrackingStoreTest extends TrackingStoreContract {
    @Override
    TrackingStore open(Path dir) {
        return SqliteTrackingStore.open(dir.resolve("fleetml.db"));
    }

    @Test
    void aStoreFromBeforeDeviceIdTypesOpensAndItsSessionsWroteText() throws Exception {
        Path file = dir.resolve("old.db");
        try (var db = DriverManager.getConnection("jdbc:sqlite:" + file); var st = db.createStatement()) {
            st.execute("CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)");
            st.execute("CREATE TABLE sessions (session_id TEXT PRIMARY KEY, experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id), "
                    + "status TEXT NOT NULL, started_at TEXT NOT NULL, ended_at TEXT, algorithm TEXT NOT NULL, spec TEXT NOT NULL, "
                    + "data_source TEXT NOT NULL, n_rows INTEGER NOT NULL, n_devices INTEGER NOT NULL, summary TEXT, "
                    + "artifact_root TEXT NOT NULL, error TEXT)");
            st.execute("INSERT INTO experiments VALUES (1, 'e', '2026-11-01T00:00:00Z')");
            try (var ps = db.prepareStatement("INSERT INTO sessions VALUES ('20261101-000000-0001', 1, 'FINISHED', "
                    + "'2026-11-01T00:00:00Z', NULL, 'linear', ?, 'd', 1, 1, NULL, 'r', NULL)")) {
                ps.setString(1, new ObjectMapper().writeValueAsString(spec("e")));
                ps.executeUpdate();
            }
        }
        try (TrackingStore store = SqliteTrackingStore.open(file)) {
            assertEquals(DeviceIdType.TEXT, store.session("20261101-000000-0001").orElseThrow().deviceIds());
            String id = store.startSession(spec("e"), "d", 1, 1, DeviceIdType.INTEGER, "r").id();
            assertEquals(List.of(DeviceIdType.INTEGER, DeviceIdType.TEXT), store.sessions(null).stream().map(SessionRecord::deviceIds).toList(),
                    "newest first: " + id);
        }
    }
}
