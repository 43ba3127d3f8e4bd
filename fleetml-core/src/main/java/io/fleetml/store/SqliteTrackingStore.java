package io.fleetml.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleetml.data.DeviceIdType;
import io.fleetml.data.FleetInputException;
import io.fleetml.train.Metrics;
import io.fleetml.train.TrainOutcome;
import io.fleetml.train.TrainSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The embedded tracking store: one SQLite file in WAL mode, so the CLI or a dashboard in another process
 * reads it while training writes. Device runs are written in one transaction per batch: 100,000 devices
 * cost a few hundred commits, not 100,000.
 */
public final class SqliteTrackingStore implements TrackingStore {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    private static final String SCHEMA = """
            CREATE TABLE IF NOT EXISTS experiments (
              experiment_id INTEGER PRIMARY KEY,
              name          TEXT NOT NULL UNIQUE,
              created_at    TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS sessions (
              session_id    TEXT PRIMARY KEY,
              experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id),
              status        TEXT NOT NULL,
              started_at    TEXT NOT NULL,
              ended_at      TEXT,
              algorithm     TEXT NOT NULL,
              spec          TEXT NOT NULL,
              data_source   TEXT NOT NULL,
              n_rows        INTEGER NOT NULL,
              n_devices     INTEGER NOT NULL,
              device_ids    TEXT NOT NULL DEFAULT 'TEXT',
              summary       TEXT,
              artifact_root TEXT NOT NULL,
              error         TEXT);
            CREATE INDEX IF NOT EXISTS sessions_by_experiment ON sessions(experiment_id, started_at);
            CREATE TABLE IF NOT EXISTS device_runs (
              session_id TEXT NOT NULL REFERENCES sessions(session_id),
              device_id  TEXT NOT NULL,
              status     TEXT NOT NULL,
              n_rows     INTEGER NOT NULL,
              n_used     INTEGER NOT NULL,
              n_test     INTEGER NOT NULL,
              n_dropped  INTEGER NOT NULL,
              mse REAL, rmse REAL, mae REAL, r2 REAL, train_mse REAL,
              model_uri  TEXT,
              error      TEXT,
              train_ms   REAL NOT NULL,
              PRIMARY KEY (session_id, device_id)) WITHOUT ROWID;
            """;

    private final Path file;
    private final Connection db;

    private SqliteTrackingStore(Path file, Connection db) {
        this.file = file;
        this.db = db;
    }

    public static SqliteTrackingStore open(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Connection db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement st = db.createStatement()) {
                st.execute("PRAGMA busy_timeout = 10000");
                st.execute("PRAGMA journal_mode = WAL");
                st.execute("PRAGMA synchronous = NORMAL"); // WAL + NORMAL: durable on commit except power loss
                st.execute("PRAGMA foreign_keys = ON");
                for (String ddl : SCHEMA.split(";")) {
                    if (!ddl.isBlank()) {
                        st.execute(ddl);
                    }
                }
                addDeviceIdsColumn(st);
            }
            return new SqliteTrackingStore(file, db);
        } catch (SQLException | java.io.IOException e) {
            throw new FleetInputException("cannot open the fleetml store at " + file + ": " + e.getMessage(), e);
        }
    }

    /** Stores made before sessions recorded their device-id type get the column; their sessions wrote text ids. */
    private static void addDeviceIdsColumn(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pragma_table_info('sessions') WHERE name = 'device_ids'")) {
            rs.next();
            if (rs.getInt(1) == 0) {
                st.execute("ALTER TABLE sessions ADD COLUMN device_ids TEXT NOT NULL DEFAULT 'TEXT'");
            }
        }
    }

    @Override
    public synchronized SessionRecord startSession(TrainSpec spec, String dataSource, long nRows, long nDevices, DeviceIdType deviceIds,
                                                   String artifactRoot) {
        Instant now = Instant.now();
        String id = ID_TIME.format(now) + "-" + String.format("%04x", ThreadLocalRandom.current().nextInt(0x10000));
        try {
            db.setAutoCommit(false);
            long experiment = experimentId(spec.experiment(), now);
            try (PreparedStatement ps = db.prepareStatement("INSERT INTO sessions (session_id, experiment_id, status, started_at, "
                    + "algorithm, spec, data_source, n_rows, n_devices, device_ids, artifact_root) VALUES (?,?,?,?,?,?,?,?,?,?,?)")) {
                ps.setString(1, id);
                ps.setLong(2, experiment);
                ps.setString(3, SessionRecord.RUNNING);
                ps.setString(4, now.toString());
                ps.setString(5, spec.algorithm());
                ps.setString(6, JSON.writeValueAsString(spec));
                ps.setString(7, dataSource);
                ps.setLong(8, nRows);
                ps.setLong(9, nDevices);
                ps.setString(10, deviceIds.name());
                ps.setString(11, artifactRoot);
                ps.executeUpdate();
            }
            db.commit();
            return new SessionRecord(id, spec.experiment(), SessionRecord.RUNNING, now.toString(), null, spec, dataSource,
                    nRows, nDevices, deviceIds, null, artifactRoot, null);
        } catch (SQLException | JsonProcessingException e) {
            rollback();
            throw new IllegalStateException("cannot record a new session in " + file + ": " + e.getMessage(), e);
        } finally {
            autoCommit();
        }
    }

    private long experimentId(String name, Instant now) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("INSERT OR IGNORE INTO experiments (name, created_at) VALUES (?, ?)")) {
            ps.setString(1, name);
            ps.setString(2, now.toString());
            ps.executeUpdate();
        }
        try (PreparedStatement ps = db.prepareStatement("SELECT experiment_id FROM experiments WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Override
    public synchronized void recordDevices(String sessionId, List<TrainOutcome> outcomes) {
        try {
            db.setAutoCommit(false);
            try (PreparedStatement ps = db.prepareStatement("INSERT OR REPLACE INTO device_runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
                for (TrainOutcome o : outcomes) {
                    ps.setString(1, sessionId);
                    ps.setString(2, o.deviceId());
                    ps.setString(3, o.status().name());
                    ps.setInt(4, o.nRows());
                    ps.setInt(5, o.nUsed());
                    ps.setInt(6, o.nTest());
                    ps.setInt(7, o.nDropped());
                    real(ps, 8, o.holdout().mse());
                    real(ps, 9, o.holdout().rmse());
                    real(ps, 10, o.holdout().mae());
                    real(ps, 11, o.holdout().r2());
                    real(ps, 12, o.trainMse());
                    ps.setString(13, o.modelUri());
                    ps.setString(14, o.error());
                    ps.setDouble(15, o.trainMs());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            db.commit();
        } catch (SQLException e) {
            rollback();
            throw new IllegalStateException("cannot record device runs of session " + sessionId + " in " + file + ": " + e.getMessage(), e);
        } finally {
            autoCommit();
        }
    }

    private static void real(PreparedStatement ps, int i, double v) throws SQLException {
        if (Double.isNaN(v)) {
            ps.setNull(i, Types.REAL);
        } else {
            ps.setDouble(i, v);
        }
    }

    @Override
    public synchronized void finishSession(String sessionId, String status, SessionSummary summary, String error) {
        try (PreparedStatement ps = db.prepareStatement("UPDATE sessions SET status = ?, ended_at = ?, summary = ?, error = ? WHERE session_id = ?")) {
            ps.setString(1, status);
            ps.setString(2, Instant.now().toString());
            ps.setString(3, summary == null ? null : JSON.writeValueAsString(summary));
            ps.setString(4, error);
            ps.setString(5, sessionId);
            ps.executeUpdate();
        } catch (SQLException | JsonProcessingException e) {
            throw new IllegalStateException("cannot finish session " + sessionId + " in " + file + ": " + e.getMessage(), e);
        }
    }

    private static final String SESSION_COLUMNS = "SELECT s.session_id, e.name, s.status, s.started_at, s.ended_at, s.spec, "
            + "s.data_source, s.n_rows, s.n_devices, s.summary, s.artifact_root, s.error, s.device_ids "
            + "FROM sessions s JOIN experiments e ON e.experiment_id = s.experiment_id ";

    @Override
    public synchronized List<SessionRecord> sessions(String experiment) {
        String sql = SESSION_COLUMNS + (experiment == null ? "" : "WHERE e.name = ? ") + "ORDER BY s.started_at DESC, s.session_id DESC";
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            if (experiment != null) {
                ps.setString(1, experiment);
            }
            return readSessions(ps);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read sessions from " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized Optional<SessionRecord> session(String idOrLatest) {
        boolean latest = "latest".equals(idOrLatest);
        String sql = SESSION_COLUMNS + (latest ? "WHERE s.status = 'FINISHED' ORDER BY s.started_at DESC, s.session_id DESC LIMIT 1"
                : "WHERE s.session_id = ?");
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            if (!latest) {
                ps.setString(1, idOrLatest);
            }
            return readSessions(ps).stream().findFirst();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read sessions from " + file + ": " + e.getMessage(), e);
        }
    }

    private static List<SessionRecord> readSessions(PreparedStatement ps) throws SQLException {
        List<SessionRecord> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                try {
                    String summary = rs.getString(10);
                    out.add(new SessionRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            JSON.readValue(rs.getString(6), TrainSpec.class), rs.getString(7), rs.getLong(8), rs.getLong(9),
                            DeviceIdType.valueOf(rs.getString(13)), summary == null ? null : JSON.readValue(summary, SessionSummary.class), rs.getString(11), rs.getString(12)));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException("session " + rs.getString(1) + " has unreadable JSON: " + e.getOriginalMessage(), e);
                }
            }
        }
        return out;
    }

    @Override
    public synchronized List<TrainOutcome> devices(String sessionId) {
        List<TrainOutcome> out = new ArrayList<>();
        try (PreparedStatement ps = db.prepareStatement("SELECT device_id, status, n_rows, n_used, n_test, n_dropped, mse, rmse, mae, r2, "
                + "train_mse, model_uri, error, train_ms FROM device_runs WHERE session_id = ? ORDER BY "
                + "CASE WHEN (SELECT device_ids FROM sessions WHERE session_id = ?) = 'INTEGER' THEN CAST(device_id AS INTEGER) END, device_id")) {
            ps.setString(1, sessionId);
            ps.setString(2, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new TrainOutcome(rs.getString(1), TrainOutcome.Status.valueOf(rs.getString(2)), rs.getInt(3), rs.getInt(4),
                            rs.getInt(5), rs.getInt(6), new Metrics(real(rs, 7), real(rs, 8), real(rs, 9), real(rs, 10)), real(rs, 11),
                            rs.getString(12), rs.getString(13), rs.getDouble(14)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read device runs from " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized Map<String, String> modelUris(String sessionId) {
        Map<String, String> uris = new HashMap<>();
        try (PreparedStatement ps = db.prepareStatement("SELECT device_id, model_uri FROM device_runs "
                + "WHERE session_id = ? AND status = 'OK' AND model_uri IS NOT NULL")) {
            ps.setString(1, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    uris.put(rs.getString(1), rs.getString(2));
                }
            }
            return uris;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read model URIs from " + file + ": " + e.getMessage(), e);
        }
    }

    private static double real(ResultSet rs, int i) throws SQLException {
        double v = rs.getDouble(i);
        return rs.wasNull() ? Double.NaN : v;
    }

    private void rollback() {
        try {
            db.rollback();
        } catch (SQLException ignored) {
            // the original failure is what matters
        }
    }

    private void autoCommit() {
        try {
            db.setAutoCommit(true);
        } catch (SQLException ignored) {
            // next use reports a broken connection
        }
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException ignored) {
            // all writes were committed already
        }
    }
}
