package io.fleetml.store;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The embedded store's schema, created and upgraded by Flyway. Version 1 is the schema fleetml had before it
 * used migrations (a store made then is baselined at 0 and brought through 1, which only adds what it lacks);
 * later versions change it step by step. A store already at {@link #VERSION} is not handed to Flyway at all:
 * starting Flyway cost half a second, more than a listing command takes.
 */
final class StoreSchema {
    /** The newest migration's version; a test checks it matches the list below. */
    static final int VERSION = 4;
    private static final Logger FLYWAY_LOG = Logger.getLogger("org.flywaydb"); // held: JUL keeps loggers weakly

    private StoreSchema() {
    }

    static BaseJavaMigration[] migrations() {
        return new BaseJavaMigration[] {new V1__Baseline(), new V2__Lifecycle(), new V3__FleetModels(), new V4__Registry()};
    }

    /** The schema version of the store behind {@code db}: 0 for an empty or pre-migration store. */
    static int version(Connection db) throws SQLException {
        try (Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'flyway_schema_history'")) {
            rs.next();
            if (rs.getInt(1) == 0) {
                return 0;
            }
        }
        try (Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT max(CAST(version AS INTEGER)) FROM flyway_schema_history WHERE success = 1")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    /** Brings the store in {@code file} to {@link #VERSION}. */
    static void migrate(Path file) {
        FLYWAY_LOG.setLevel(Level.WARNING);
        Flyway.configure()
                .dataSource("jdbc:sqlite:" + file.toAbsolutePath(), null, null)
                .locations("classpath:io/fleetml/store/migrations") // nothing there: the migrations are the classes below
                .javaMigrations(migrations())
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate();
    }

    /** The schema as fleetml made it before migrations; adds only what an older store lacks. */
    static final class V1__Baseline extends BaseJavaMigration {
        @Override
        public void migrate(Context context) throws SQLException {
            try (Statement st = context.getConnection().createStatement()) {
                st.execute("""
                        CREATE TABLE IF NOT EXISTS experiments (
                          experiment_id INTEGER PRIMARY KEY,
                          name          TEXT NOT NULL UNIQUE,
                          created_at    TEXT NOT NULL)""");
                st.execute("""
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
                          error         TEXT)""");
                st.execute("CREATE INDEX IF NOT EXISTS sessions_by_experiment ON sessions(experiment_id, started_at)");
                st.execute("""
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
                          PRIMARY KEY (session_id, device_id)) WITHOUT ROWID""");
                // stores made before sessions recorded their device-id type wrote text ids
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pragma_table_info('sessions') WHERE name = 'device_ids'")) {
                    rs.next();
                    if (rs.getInt(1) == 0) {
                        st.execute("ALTER TABLE sessions ADD COLUMN device_ids TEXT NOT NULL DEFAULT 'TEXT'");
                    }
                }
            }
        }
    }

    /**
     * Sessions that can be resumed, retrained, moved and deleted:
     * <ul>
     * <li>a session records its owner process and heartbeat (to tell an interrupted one), where its data can be
     *     read again, what it retrained, which engine ran it, and its outcome counts (to find the latest usable one);</li>
     * <li>a device run records the session that trained its model when it was carried over;</li>
     * <li>device ids of integer device columns are stored as integers, so that the primary key lists them in
     *     number order (9 before 10) without sorting a million rows;</li>
     * <li>artifact locations under the store are stored relative to it, so that a copied or moved store reads
     *     its own models; locations elsewhere (a user's {@code hdfs://} root) stay absolute;</li>
     * <li>a finished session's devices are ranked worst first, by holdout MSE and by R², in a table of their own;
     *     an index on the metrics instead cost the training of 100,000 small devices 40% more time (each batch's
     *     commit rewrote hundreds of index pages at random places);</li>
     * <li>partial indexes find the failed devices and the runs a retraining inherited.</li>
     * </ul>
     */
    static final class V2__Lifecycle extends BaseJavaMigration {
        @Override
        public void migrate(Context context) throws SQLException {
            Connection db = context.getConnection();
            String storeUri = storeUri(db);
            try (Statement st = db.createStatement()) {
                for (String column : new String[] {"data_location TEXT", "parent_session TEXT", "selection TEXT",
                        "engine TEXT NOT NULL DEFAULT 'local'", "owner TEXT", "heartbeat_at TEXT", "n_ok INTEGER",
                        "n_failed INTEGER", "n_skipped INTEGER"}) {
                    st.execute("ALTER TABLE sessions ADD COLUMN " + column);
                }
                st.execute("UPDATE sessions SET n_ok = json_extract(summary, '$.ok'), n_failed = json_extract(summary, '$.failed'), "
                        + "n_skipped = json_extract(summary, '$.skipped') WHERE summary IS NOT NULL");
                // an older fleetml could not tell a killed session from a running one; none of them runs now
                st.execute("UPDATE sessions SET status = 'INTERRUPTED', error = coalesce(error, 'interrupted: its process ended "
                        + "without finishing (recorded by an older fleetml)') WHERE status = 'RUNNING'");
                // the Spark engine of old wrote a directory per device, the local engine zip packs
                st.execute("UPDATE sessions SET engine = 'spark' WHERE session_id IN (SELECT DISTINCT session_id FROM device_runs "
                        + "WHERE model_uri IS NOT NULL AND instr(model_uri, '!/') = 0)");
                st.execute("""
                        CREATE TABLE device_runs_v2 (
                          session_id TEXT NOT NULL REFERENCES sessions(session_id),
                          device_id  NOT NULL,
                          status     TEXT NOT NULL,
                          n_rows     INTEGER NOT NULL,
                          n_used     INTEGER NOT NULL,
                          n_test     INTEGER NOT NULL,
                          n_dropped  INTEGER NOT NULL,
                          mse REAL, rmse REAL, mae REAL, r2 REAL, train_mse REAL,
                          model_uri  TEXT,
                          error      TEXT,
                          train_ms   REAL NOT NULL,
                          trained_in TEXT,
                          PRIMARY KEY (session_id, device_id)) WITHOUT ROWID""");
            }
            try (PreparedStatement ps = db.prepareStatement("INSERT INTO device_runs_v2 SELECT d.session_id, "
                    + "CASE WHEN s.device_ids = 'INTEGER' THEN CAST(d.device_id AS INTEGER) ELSE d.device_id END, d.status, d.n_rows, "
                    + "d.n_used, d.n_test, d.n_dropped, d.mse, d.rmse, d.mae, d.r2, d.train_mse, "
                    + "CASE WHEN substr(d.model_uri, 1, length(?1)) = ?1 THEN substr(d.model_uri, length(?1) + 1) ELSE d.model_uri END, "
                    + "d.error, d.train_ms, NULL FROM device_runs d JOIN sessions s ON s.session_id = d.session_id")) {
                ps.setString(1, storeUri);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = db.prepareStatement("UPDATE sessions SET artifact_root = substr(artifact_root, length(?1) + 1) "
                    + "WHERE substr(artifact_root, 1, length(?1)) = ?1")) {
                ps.setString(1, storeUri);
                ps.executeUpdate();
            }
            try (Statement st = db.createStatement()) {
                st.execute("DROP TABLE device_runs");
                st.execute("ALTER TABLE device_runs_v2 RENAME TO device_runs");
                st.execute(DEVICE_ORDER);
                try (ResultSet rs = st.executeQuery("SELECT session_id FROM sessions WHERE status = 'FINISHED'")) {
                    List<String> finished = new ArrayList<>();
                    while (rs.next()) {
                        finished.add(rs.getString(1));
                    }
                    for (String session : finished) {
                        rank(db, session);
                    }
                }
                st.execute("CREATE INDEX device_runs_not_ok ON device_runs(session_id, status, device_id) WHERE status <> 'OK'");
                st.execute("CREATE INDEX device_runs_inherited ON device_runs(trained_in) WHERE trained_in IS NOT NULL");
                st.execute("CREATE INDEX sessions_latest ON sessions(status, started_at)");
            }
        }
    }

    /**
     * Version 3: fleet models. A session records its fleet models (JSON); a device run records the fleet, hierarchical
     * and stack models' test metrics on the device, its chosen model, its residual model and its {@code FleetStats}.
     */
    static final class V3__FleetModels extends BaseJavaMigration {
        @Override
        public void migrate(Context context) throws SQLException {
            try (Statement st = context.getConnection().createStatement()) {
                st.execute("ALTER TABLE sessions ADD COLUMN fleet TEXT");
                for (String column : new String[] {"chosen TEXT", "fleet_mse REAL", "fleet_r2 REAL", "hier_mse REAL", "hier_r2 REAL",
                        "stack_mse REAL", "stack_r2 REAL", "residual_uri TEXT", "fleet_stats BLOB"}) {
                    st.execute("ALTER TABLE device_runs ADD COLUMN " + column);
                }
            }
        }
    }

    /**
     * The model registry: registered models, their versions (each names one session, never copies its models) and
     * aliases. A version's session may not be deleted while the version exists (the store checks first, to name the
     * version; the foreign key is the backstop).
     */
    static final class V4__Registry extends BaseJavaMigration {
        @Override
        public void migrate(Context context) throws SQLException {
            try (Statement st = context.getConnection().createStatement()) {
                st.execute("""
                        CREATE TABLE registered_models (
                          name       TEXT PRIMARY KEY,
                          created_at TEXT NOT NULL)""");
                st.execute("""
                        CREATE TABLE model_versions (
                          name        TEXT NOT NULL REFERENCES registered_models(name),
                          version     INTEGER NOT NULL,
                          session_id  TEXT NOT NULL REFERENCES sessions(session_id),
                          lineage     TEXT NOT NULL,
                          created_by  TEXT,
                          created_at  TEXT NOT NULL,
                          description TEXT,
                          PRIMARY KEY (name, version))""");
                st.execute("CREATE INDEX model_versions_session ON model_versions(session_id)");
                st.execute("""
                        CREATE TABLE model_aliases (
                          name       TEXT NOT NULL,
                          alias      TEXT NOT NULL,
                          version    INTEGER NOT NULL,
                          updated_at TEXT NOT NULL,
                          PRIMARY KEY (name, alias),
                          FOREIGN KEY (name, version) REFERENCES model_versions(name, version))""");
                // one device's runs across sessions (its history), without reading every session's runs
                st.execute("CREATE INDEX device_runs_by_device ON device_runs(device_id)");
            }
        }
    }

    /** The worst-first orders of finished sessions: page N of "worst by MSE" is a range of ranks, not a sort. */
    static final String DEVICE_ORDER = """
            CREATE TABLE device_order (
              session_id TEXT NOT NULL,
              sort       TEXT NOT NULL,
              rank       INTEGER NOT NULL,
              device_id  NOT NULL,
              PRIMARY KEY (session_id, sort, rank)) WITHOUT ROWID""";

    /** The orders {@link #rank} keeps, as {@code DeviceQuery.Sort} names them, with their SQL order. */
    static final Map<String, String> RANKED = Map.of("MSE", "mse IS NULL, mse DESC, device_id", "R2", "r2 IS NULL, r2, device_id");

    /** Ranks a finished session's devices in each {@link #RANKED} order, in SQLite's own sort: one pass per order. */
    static void rank(Connection db, String session) throws SQLException {
        try (PreparedStatement del = db.prepareStatement("DELETE FROM device_order WHERE session_id = ?")) {
            del.setString(1, session);
            del.executeUpdate();
        }
        for (Map.Entry<String, String> order : RANKED.entrySet()) {
            try (PreparedStatement ps = db.prepareStatement("INSERT INTO device_order (session_id, sort, rank, device_id) "
                    + "SELECT session_id, ?, row_number() OVER (ORDER BY " + order.getValue() + ") - 1, device_id FROM device_runs "
                    + "WHERE session_id = ?")) {
                ps.setString(1, order.getKey());
                ps.setString(2, session);
                ps.executeUpdate();
            }
        }
    }

    /** The URI of the directory holding the database, with a trailing slash: what stored locations are relative to. */
    static String storeUri(Connection db) throws SQLException {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT file FROM pragma_database_list WHERE name = 'main'")) {
            rs.next();
            return storeUri(Path.of(rs.getString(1)));
        }
    }

    static String storeUri(Path dbFile) {
        String uri = dbFile.toAbsolutePath().getParent().toUri().toString();
        return uri.endsWith("/") ? uri : uri + "/";
    }
}
