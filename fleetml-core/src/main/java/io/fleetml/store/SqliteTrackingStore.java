package io.fleetml.store;

import io.fleetml.data.DeviceIdType;
import io.fleetml.train.Metrics;
import io.fleetml.fleet.DeviceChoice;
import io.fleetml.fleet.FleetOutcome;
import io.fleetml.fleet.FleetReport;
import io.fleetml.fleet.FleetStats;
import io.fleetml.registry.ModelRegistry;
import io.fleetml.registry.ModelVersion;
import io.fleetml.resolve.ModelKind;
import io.fleetml.train.TrainOutcome;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The embedded tracking store: one SQLite file in WAL mode, so the CLI or a dashboard in another process
 * reads it while training writes. Device runs are written in one transaction per batch: 100,000 devices
 * cost a few hundred commits, not 100,000. Artifact locations under the store's directory are kept relative
 * to it, so a copied or moved store reads its own models. A store on a read-only file system (or without
 * write permission) opens read-only: it can be listed, not changed.
 */
public final class SqliteTrackingStore implements TrackingStore {
    /** How long a session on another host may go without a heartbeat before it reads as interrupted. */
    static final Duration STALE_AFTER = Duration.ofMinutes(2);
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    private static final String RUN_COLUMNS = "device_id, status, n_rows, n_used, n_test, n_dropped, mse, rmse, mae, r2, "
            + "train_mse, model_uri, error, train_ms, trained_in, chosen, fleet_mse, fleet_r2, hier_mse, hier_r2, stack_mse, stack_r2, "
            + "residual_uri, fleet_stats";
    /** The fleet columns of a run, as copied from a parent's run ({@code p.}). */
    private static final String FLEET_COLUMNS = "p.chosen, p.fleet_mse, p.fleet_r2, p.hier_mse, p.hier_r2, p.stack_mse, p.stack_r2, "
            + "p.residual_uri, p.fleet_stats";
    private static final String PACK_OF = "CASE WHEN instr(model_uri, '!/') > 0 THEN substr(model_uri, 1, instr(model_uri, '!/') - 1) ELSE model_uri END";

    private final Path file;
    private final String storeUri;
    final Connection db; // the registry shares it, under this store's lock
    private final boolean readOnly;
    private final Map<String, DeviceIdType> idTypes = new HashMap<>();
    private final SqliteModelRegistry registry = new SqliteModelRegistry(this);
    private final SqliteSessionStats stats = new SqliteSessionStats(this::reader);

    private SqliteTrackingStore(Path file, Connection db, boolean readOnly) {
        this.file = file.toAbsolutePath();
        this.storeUri = StoreSchema.storeUri(this.file);
        this.db = db;
        this.readOnly = readOnly;
    }

    /** Opens the store in {@code file}, creating it (and its directory) when there is none. */
    public static SqliteTrackingStore open(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (java.io.IOException e) {
            throw StoreException.unavailable("cannot create the fleetml store at " + file.getParent() + ": " + e.getMessage(), e);
        }
        return connect(file);
    }

    /**
     * Opens an existing store, read-only when it cannot be written.
     *
     * @throws StoreException NOT_FOUND when there is no store in {@code file}
     */
    public static SqliteTrackingStore openExisting(Path file) {
        if (!Files.isRegularFile(file)) {
            throw StoreException.notFound("no fleetml store at " + file.toAbsolutePath().getParent() + " (no " + file.getFileName()
                    + "); train into it first, or point --store or FLEETML_STORE at a store");
        }
        return connect(file);
    }

    private static SqliteTrackingStore connect(Path file) {
        Connection db = null;
        try {
            SQLiteConfig config = new SQLiteConfig();
            config.setBusyTimeout(10_000);
            config.setJournalMode(SQLiteConfig.JournalMode.WAL);
            config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL); // WAL + NORMAL: durable on commit except power loss
            config.enforceForeignKeys(true);
            db = connection("jdbc:sqlite:" + file.toAbsolutePath(), config);
            if (StoreSchema.version(db) < StoreSchema.VERSION) {
                StoreSchema.migrate(file);
            }
            return new SqliteTrackingStore(file, db, false);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(db);
            if (readOnlyFailure(e) && Files.isRegularFile(file)) {
                return connectReadOnly(file, e);
            }
            throw StoreException.unavailable("cannot open the fleetml store at " + file + ": " + firstLine(e), e);
        }
    }

    /**
     * A store that cannot be written, e.g. on a read-only mount: opened as immutable, since SQLite cannot make the
     * shared-memory file WAL readers need there. Nothing may change it meanwhile; on a read-only mount nothing can.
     */
    private static SqliteTrackingStore connectReadOnly(Path file, Exception why) {
        Connection db = null;
        try {
            SQLiteConfig config = new SQLiteConfig();
            config.setReadOnly(true);
            config.setOpenMode(org.sqlite.SQLiteOpenMode.OPEN_URI);
            db = connection("jdbc:sqlite:" + file.toAbsolutePath().toUri() + "?immutable=1", config);
            int version = StoreSchema.version(db);
            if (version < StoreSchema.VERSION) {
                closeQuietly(db);
                throw StoreException.unavailable("the fleetml store at " + file.getParent() + " was made by an older fleetml and is read-only ("
                        + firstLine(why) + "); open it once where it can be written, to upgrade it", why);
            }
            return new SqliteTrackingStore(file, db, true);
        } catch (SQLException e) {
            closeQuietly(db);
            throw StoreException.unavailable("cannot open the fleetml store at " + file + ": " + firstLine(e), e);
        }
    }

    /**
     * A connection from SQLite's driver itself: through {@link java.sql.DriverManager}, every JDBC driver on the class
     * path is loaded first (DuckDB's among them), a seventh of a second of every listing command.
     */
    private static Connection connection(String url, SQLiteConfig config) throws SQLException {
        return new org.sqlite.JDBC().connect(url, config.toProperties());
    }

    /** SQLite's "read-only" and "cannot open" (a WAL database on a read-only mount), by primary result code. */
    private static boolean readOnlyFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLiteException s && ((s.getResultCode().code & 0xff) == SQLiteErrorCode.SQLITE_READONLY.code
                    || (s.getResultCode().code & 0xff) == SQLiteErrorCode.SQLITE_CANTOPEN.code)) {
                return true;
            }
        }
        return false;
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage()).strip();
        int nl = m.indexOf('\n');
        return nl > 0 ? m.substring(0, nl) : m;
    }

    @Override
    public String location() {
        return file.getParent().toString();
    }

    /** A location as stored: relative to the store when under it. */
    private String relative(String uri) {
        return uri != null && uri.startsWith(storeUri) ? uri.substring(storeUri.length()) : uri;
    }

    /** A stored location as an absolute URI: relative ones are under the store, wherever it is now. */
    private String absolute(String stored) {
        return stored == null || hasScheme(stored) ? stored : storeUri + stored;
    }

    /** Whether {@code uri} starts with a URI scheme ({@code file:}, {@code hdfs:}); by hand, as it runs once per device. */
    private static boolean hasScheme(String uri) {
        int colon = uri.indexOf(':');
        if (colon <= 0 || !Character.isLetter(uri.charAt(0))) {
            return false;
        }
        for (int i = 1; i < colon; i++) {
            char c = uri.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '+' || c == '.' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    void writable() {
        if (readOnly) {
            throw StoreException.unavailable("the fleetml store at " + location() + " is read-only; it can be listed, not changed", null);
        }
    }

    @Override
    public synchronized SessionRecord startSession(SessionPlan plan) {
        writable();
        Instant now = Instant.now();
        for (int attempt = 0; ; attempt++) {
            String id = ID_TIME.format(now) + "-" + String.format("%04x", ThreadLocalRandom.current().nextInt(0x10000));
            try {
                write(() -> {
                    long experiment = experimentId(plan.spec().experiment(), now);
                    try (PreparedStatement ps = db.prepareStatement("INSERT INTO sessions (session_id, experiment_id, status, started_at, "
                            + "algorithm, spec, data_source, data_location, n_rows, n_devices, device_ids, artifact_root, parent_session, "
                            + "selection, engine, owner, heartbeat_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
                        ps.setString(1, id);
                        ps.setLong(2, experiment);
                        ps.setString(3, SessionStatus.RUNNING.name());
                        ps.setString(4, now.toString());
                        ps.setString(5, plan.spec().algorithm());
                        ps.setString(6, SessionJson.spec(plan.spec()));
                        ps.setString(7, plan.dataSource());
                        ps.setString(8, plan.dataLocation());
                        ps.setLong(9, plan.nRows());
                        ps.setLong(10, plan.nDevices());
                        ps.setString(11, plan.deviceIds().name());
                        ps.setString(12, relative(plan.artifactRoot()));
                        ps.setString(13, plan.parent());
                        ps.setString(14, plan.selection() == null ? null : SessionJson.selection(plan.selection()));
                        ps.setString(15, plan.engine());
                        ps.setString(16, SessionOwner.current().toString());
                        ps.setString(17, now.toString());
                        ps.executeUpdate();
                    }
                    return null;
                });
                return session(id).orElseThrow();
            } catch (StoreException e) {
                if (attempt < 3 && e.getCause() instanceof SQLiteException s && s.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY) {
                    continue; // two sessions started in the same second drew the same suffix
                }
                throw e;
            }
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
    public synchronized SessionRecord resumeSession(String sessionId) {
        writable();
        SessionRecord s = session(sessionId).orElseThrow(() -> noSession(sessionId));
        if (s.resumeRefusal() != null) {
            throw StoreException.conflict(s.resumeRefusal());
        }
        int updated = write(() -> {
            try (PreparedStatement ps = db.prepareStatement("UPDATE sessions SET status = 'RUNNING', owner = ?, heartbeat_at = ?, "
                    + "ended_at = NULL, error = NULL WHERE session_id = ? AND coalesce(owner, '') = ? AND status = ?")) {
                ps.setString(1, SessionOwner.current().toString());
                ps.setString(2, Instant.now().toString());
                ps.setString(3, sessionId);
                ps.setString(4, s.owner() == null ? "" : s.owner().toString());
                ps.setString(5, storedStatus(sessionId));
                return ps.executeUpdate();
            }
        });
        if (updated != 1) {
            throw StoreException.conflict("session " + sessionId + " was taken over by another process meanwhile");
        }
        return session(sessionId).orElseThrow();
    }

    private String storedStatus(String sessionId) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("SELECT status FROM sessions WHERE session_id = ?")) {
            ps.setString(1, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    @Override
    public synchronized void heartbeat(String sessionId) {
        writable();
        write(() -> {
            try (PreparedStatement ps = db.prepareStatement("UPDATE sessions SET heartbeat_at = ? WHERE session_id = ?")) {
                ps.setString(1, Instant.now().toString());
                ps.setString(2, sessionId);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public synchronized List<SessionRecord> markInterrupted() {
        if (readOnly) {
            return List.of();
        }
        List<SessionRecord> interrupted = new ArrayList<>();
        for (SessionRecord s : query(SESSION_COLUMNS + "WHERE s.status = 'RUNNING'", ps -> { })) {
            if (s.status() == SessionStatus.INTERRUPTED) {
                write(() -> {
                    try (PreparedStatement ps = db.prepareStatement("UPDATE sessions SET status = 'INTERRUPTED', ended_at = coalesce(heartbeat_at, ?), "
                            + "error = ? WHERE session_id = ? AND status = 'RUNNING'")) {
                        ps.setString(1, Instant.now().toString());
                        ps.setString(2, "interrupted: its process (" + s.owner() + ") ended without finishing; continue it with: fleetml resume " + s.id());
                        ps.setString(3, s.id());
                        return ps.executeUpdate();
                    }
                });
                interrupted.add(session(s.id()).orElseThrow());
            }
        }
        return interrupted;
    }

    @Override
    public synchronized void recordDevices(String sessionId, List<TrainOutcome> outcomes) {
        writable();
        if (outcomes.isEmpty()) {
            return;
        }
        DeviceIdType ids = idType(sessionId);
        write(() -> {
            try (PreparedStatement ps = db.prepareStatement("INSERT OR REPLACE INTO device_runs (session_id, " + RUN_COLUMNS
                    + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
                for (TrainOutcome o : outcomes) {
                    ps.setString(1, sessionId);
                    bindDevice(ps, 2, ids, o.deviceId());
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
                    ps.setString(13, relative(o.modelUri()));
                    ps.setString(14, o.error());
                    ps.setDouble(15, o.trainMs());
                    ps.setString(16, o.trainedIn());
                    FleetOutcome f = o.fleet();
                    ps.setString(17, f == null || f.chosen() == null ? null : f.chosen().label());
                    real(ps, 18, f == null ? Double.NaN : f.fleet().mse());
                    real(ps, 19, f == null ? Double.NaN : f.fleet().r2());
                    real(ps, 20, f == null ? Double.NaN : f.hierarchical().mse());
                    real(ps, 21, f == null ? Double.NaN : f.hierarchical().r2());
                    real(ps, 22, f == null ? Double.NaN : f.stack().mse());
                    real(ps, 23, f == null ? Double.NaN : f.stack().r2());
                    ps.setString(24, f == null ? null : relative(f.residualUri()));
                    ps.setBytes(25, f == null ? null : FleetStats.toBytes(f.stats()));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    /** Integer sessions store ids as integers, so that the primary key orders them by number. */
    private static void bindDevice(PreparedStatement ps, int i, DeviceIdType ids, String deviceId) throws SQLException {
        if (ids == DeviceIdType.INTEGER) {
            ps.setLong(i, Long.parseLong(deviceId));
        } else {
            ps.setString(i, deviceId);
        }
    }

    private DeviceIdType idType(String sessionId) {
        DeviceIdType t = idTypes.get(sessionId);
        if (t == null) {
            t = session(sessionId).orElseThrow(() -> noSession(sessionId)).deviceIds();
            idTypes.put(sessionId, t);
        }
        return t;
    }

    private static void real(PreparedStatement ps, int i, double v) throws SQLException {
        if (Double.isNaN(v)) {
            ps.setNull(i, Types.REAL);
        } else {
            ps.setDouble(i, v);
        }
    }

    @Override
    public synchronized long inheritRuns(String sessionId, String parent) {
        writable();
        return write(() -> {
            long carried;
            // a device that failed to retrain keeps the model it had: the fleet stays whole
            try (PreparedStatement ps = db.prepareStatement("INSERT OR REPLACE INTO device_runs (session_id, " + RUN_COLUMNS + ") "
                    + "SELECT ?1, p.device_id, p.status, p.n_rows, p.n_used, p.n_test, p.n_dropped, p.mse, p.rmse, p.mae, p.r2, p.train_mse, "
                    + "p.model_uri, 'retraining failed (' || coalesce(n.error, n.status) || '); kept the model of ' || coalesce(p.trained_in, p.session_id), "
                    + "p.train_ms, coalesce(p.trained_in, p.session_id), " + FLEET_COLUMNS + " FROM device_runs p JOIN device_runs n "
                    + "ON n.session_id = ?1 AND n.device_id = p.device_id WHERE p.session_id = ?2 AND p.status = 'OK' "
                    + "AND n.status <> 'OK' AND n.trained_in IS NULL")) {
                ps.setString(1, sessionId);
                ps.setString(2, parent);
                carried = ps.executeUpdate();
            }
            try (PreparedStatement ps = db.prepareStatement("INSERT OR IGNORE INTO device_runs (session_id, " + RUN_COLUMNS + ") "
                    + "SELECT ?1, device_id, status, n_rows, n_used, n_test, n_dropped, mse, rmse, mae, r2, train_mse, model_uri, error, "
                    + "train_ms, coalesce(trained_in, session_id), " + FLEET_COLUMNS.replace("p.", "") + " FROM device_runs WHERE session_id = ?2")) {
                ps.setString(1, sessionId);
                ps.setString(2, parent);
                carried += ps.executeUpdate();
            }
            return carried;
        });
    }

    @Override
    public synchronized void finishSession(String sessionId, SessionStatus status, SessionSummary summary, long nDevices, String error) {
        writable();
        write(() -> {
            try (PreparedStatement ps = db.prepareStatement("UPDATE sessions SET status = ?, ended_at = ?, summary = ?, error = ?, "
                    + "n_ok = ?, n_failed = ?, n_skipped = ?, n_devices = ?, heartbeat_at = ? WHERE session_id = ?")) {
                String now = Instant.now().toString();
                ps.setString(1, status.name());
                ps.setString(2, now);
                ps.setString(3, summary == null ? null : SessionJson.summary(summary));
                ps.setString(4, error);
                if (summary == null) {
                    ps.setNull(5, Types.INTEGER);
                    ps.setNull(6, Types.INTEGER);
                    ps.setNull(7, Types.INTEGER);
                } else {
                    ps.setLong(5, summary.ok());
                    ps.setLong(6, summary.failed());
                    ps.setLong(7, summary.skipped());
                }
                ps.setLong(8, nDevices);
                ps.setString(9, now);
                ps.setString(10, sessionId);
                ps.executeUpdate();
            }
            if (status == SessionStatus.FINISHED) {
                StoreSchema.rank(db, sessionId);
            }
            return null;
        });
    }

    private static final String SESSION_COLUMNS = "SELECT s.session_id, e.name, s.status, s.started_at, s.ended_at, s.spec, "
            + "s.data_source, s.data_location, s.n_rows, s.n_devices, s.device_ids, s.summary, s.artifact_root, s.error, "
            + "s.parent_session, s.selection, s.engine, s.owner, s.heartbeat_at, s.fleet "
            + "FROM sessions s JOIN experiments e ON e.experiment_id = s.experiment_id ";

    @Override
    public synchronized List<Experiment> experiments() {
        try (PreparedStatement ps = db.prepareStatement("SELECT experiment_id, name, created_at FROM experiments ORDER BY experiment_id");
             ResultSet rs = ps.executeQuery()) {
            List<Experiment> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new Experiment(rs.getLong(1), rs.getString(2), rs.getString(3)));
            }
            return out;
        } catch (SQLException e) {
            throw unavailable("read experiments", e);
        }
    }

    @Override
    public synchronized List<SessionRecord> sessions(String experiment) {
        return query(SESSION_COLUMNS + (experiment == null ? "" : "WHERE e.name = ? ") + "ORDER BY s.started_at DESC, s.session_id DESC", ps -> {
            if (experiment != null) {
                ps.setString(1, experiment);
            }
        });
    }

    @Override
    public synchronized Optional<SessionRecord> session(String id) {
        return query(SESSION_COLUMNS + "WHERE s.session_id = ?", ps -> ps.setString(1, id)).stream().findFirst();
    }

    @Override
    public synchronized Optional<SessionRecord> latest(String experiment) {
        return query(SESSION_COLUMNS + "WHERE s.status = 'FINISHED' AND (s.n_ok > 0 OR s.fleet IS NOT NULL) " + (experiment == null ? "" : "AND e.name = ? ")
                + "ORDER BY s.started_at DESC, s.session_id DESC LIMIT 1", ps -> {
            if (experiment != null) {
                ps.setString(1, experiment);
            }
        }).stream().findFirst();
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private List<SessionRecord> query(String sql, Binder binder) {
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            binder.bind(ps);
            List<SessionRecord> out = new ArrayList<>();
            Instant now = Instant.now();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(session(rs, now));
                }
            }
            return out;
        } catch (SQLException e) {
            throw unavailable("read sessions", e);
        }
    }

    private SessionRecord session(ResultSet rs, Instant now) throws SQLException {
        String id = rs.getString(1);
        try {
            SessionStatus status = SessionStatus.valueOf(rs.getString(3));
            SessionOwner owner = SessionOwner.parse(rs.getString(18));
            String heartbeat = rs.getString(19);
            if (status == SessionStatus.RUNNING && (owner == null
                    || owner.interrupted(heartbeat == null ? null : Instant.parse(heartbeat), STALE_AFTER, now))) {
                status = SessionStatus.INTERRUPTED;
            }
            String summary = rs.getString(12);
            String selection = rs.getString(16);
            String fleet = rs.getString(20);
            FleetReport fleetReport = fleet == null ? null : SessionJson.fleet(fleet);
            if (fleetReport != null && fleetReport.modelUri() != null) {
                fleetReport = fleetReport.withModelUri(absolute(fleetReport.modelUri()));
            }
            return new SessionRecord(id, rs.getString(2), status, rs.getString(4), rs.getString(5),
                    SessionJson.spec(rs.getString(6)), rs.getString(7), rs.getString(8), rs.getLong(9),
                    rs.getLong(10), DeviceIdType.valueOf(rs.getString(11)), summary == null ? null : SessionJson.summary(summary),
                    absolute(rs.getString(13)), rs.getString(14), rs.getString(15),
                    selection == null ? null : SessionJson.selection(selection), rs.getString(17), owner, heartbeat, fleetReport);
        } catch (java.io.IOException | RuntimeException e) {
            throw StoreException.unavailable("session " + id + " in " + location() + " is unreadable: " + firstLine(e), e);
        }
    }

    @Override
    public synchronized Optional<TrainOutcome> device(String sessionId, String deviceId) {
        DeviceIdType ids = idType(sessionId);
        if (ids == DeviceIdType.INTEGER && !deviceId.matches("-?\\d{1,19}")) {
            return Optional.empty();
        }
        try (PreparedStatement ps = db.prepareStatement("SELECT " + RUN_COLUMNS + " FROM device_runs WHERE session_id = ? AND device_id = ?")) {
            ps.setString(1, sessionId);
            bindDevice(ps, 2, ids, deviceId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(outcome(rs)) : Optional.empty();
            }
        } catch (SQLException | NumberFormatException e) {
            throw unavailable("read device " + deviceId + " of session " + sessionId, e);
        }
    }

    @Override
    public synchronized List<TrainOutcome> devices(String sessionId, DeviceQuery query) {
        List<TrainOutcome> out = new ArrayList<>();
        forEachDevice(sessionId, query, out::add);
        return out;
    }

    @Override
    public synchronized List<DeviceRun> deviceHistory(String deviceId, int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative");
        }
        // integer sessions keep ids as integers and the column has no affinity: ask for both forms, by the index on device_id
        Long asInteger = canonicalInteger(deviceId);
        String sql = "SELECT " + prefixed("r.") + ", s.session_id, e.name, s.started_at, s.status FROM device_runs r "
                + "JOIN sessions s ON s.session_id = r.session_id JOIN experiments e ON e.experiment_id = s.experiment_id "
                + "WHERE r.device_id IN (?, ?) ORDER BY s.started_at DESC, s.session_id DESC" + (limit > 0 ? " LIMIT " + limit : "");
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            ps.setString(1, deviceId);
            if (asInteger != null) {
                ps.setLong(2, asInteger);
            } else {
                ps.setString(2, deviceId);
            }
            List<DeviceRun> runs = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    runs.add(new DeviceRun(rs.getString(25), rs.getString(26), rs.getString(27), SessionStatus.valueOf(rs.getString(28)), outcome(rs)));
                }
            }
            return runs;
        } catch (SQLException e) {
            throw unavailable("read the runs of device " + deviceId, e);
        }
    }

    /** The id as an integer when it is one written the way an integer session writes it ({@code 7}, not {@code 007}), else null. */
    private static Long canonicalInteger(String deviceId) {
        if (!deviceId.matches("-?\\d{1,19}")) {
            return null;
        }
        try {
            long v = Long.parseLong(deviceId);
            return Long.toString(v).equals(deviceId) ? v : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    public synchronized long countDevices(String sessionId, DeviceQuery query) {
        if (query.byStatusOnly()) {
            // a finished session knows its counts: counting a million runs took a seventh of a second
            try (PreparedStatement ps = db.prepareStatement("SELECT n_ok, n_failed, n_skipped FROM sessions WHERE session_id = ? "
                    + "AND status = 'FINISHED' AND n_ok IS NOT NULL")) {
                ps.setString(1, sessionId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        Set<TrainOutcome.Status> all = query.statuses().isEmpty() ? EnumSet.allOf(TrainOutcome.Status.class) : query.statuses();
                        return (all.contains(TrainOutcome.Status.OK) ? rs.getLong(1) : 0) + (all.contains(TrainOutcome.Status.FAILED) ? rs.getLong(2) : 0)
                                + (all.contains(TrainOutcome.Status.SKIPPED) ? rs.getLong(3) : 0);
                    }
                }
            } catch (SQLException e) {
                throw unavailable("count the devices of session " + sessionId, e);
            }
        }
        List<Object> args = new ArrayList<>();
        String where = where(sessionId, query, args);
        try (PreparedStatement ps = db.prepareStatement("SELECT count(*) FROM device_runs WHERE " + where)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw unavailable("count the devices of session " + sessionId, e);
        }
    }

    @Override
    public synchronized void forEachDevice(String sessionId, DeviceQuery query, Consumer<TrainOutcome> each) {
        List<Object> args = new ArrayList<>();
        // a search reads the matching runs and sorts the few it finds: walking the ranks looked each ranked device up in
        // turn until a page matched (a third of 100,000 for "123", 170-280 ms)
        boolean searching = query.search() != null && !query.search().isEmpty();
        boolean ranked = !query.reversed() && !searching && ranked(sessionId, query.sort());
        String where = where(sessionId, query, args, ranked ? "r." : "");
        String page = query.limit() > 0 || query.offset() > 0 ? " LIMIT " + (query.limit() > 0 ? query.limit() : -1) + " OFFSET " + query.offset() : "";
        String sql;
        if (ranked) {
            // a finished session's worst devices: walk its ranks, reading each run by its key; the offset is a range of ranks
            String rank = "o.session_id = ? AND o.sort = ?";
            List<Object> rankArgs = new ArrayList<>(List.of(sessionId, query.sort().name()));
            if (query.statuses().isEmpty() && query.bounds().isEmpty()) { // (a search does not walk the ranks, above)
                rank += " AND o.rank >= ?";
                rankArgs.add(query.offset());
                page = query.limit() > 0 ? " LIMIT " + query.limit() : "";
            }
            sql = "SELECT " + prefixed("r.") + " FROM device_order o JOIN device_runs r ON r.session_id = o.session_id AND r.device_id = o.device_id "
                    + "WHERE " + rank + " AND " + where + " ORDER BY o.rank" + page;
            rankArgs.addAll(args);
            args = rankArgs;
        } else {
            // Without statistics SQLite judged a scan of the primary key cheaper than the partial index of failed devices,
            // and read a million OK runs to find none failed (a seventh of a second); told which index to use, it reads the failed ones only.
            boolean failedOnly = !query.statuses().isEmpty() && !query.statuses().contains(TrainOutcome.Status.OK);
            sql = "SELECT " + RUN_COLUMNS + " FROM device_runs" + (failedOnly ? " INDEXED BY device_runs_not_ok" : "") + " WHERE " + where
                    + " ORDER BY " + (query.reversed() ? reverseOrderBy(query.sort()) : orderBy(query.sort())) + page;
        }
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    each.accept(outcome(rs));
                }
            }
        } catch (SQLException e) {
            throw unavailable("read the device runs of session " + sessionId, e);
        }
    }

    /** Whether the session's devices are ranked in this order (it finished), so that a page needs no sort. */
    private boolean ranked(String sessionId, DeviceQuery.Sort sort) {
        if (!StoreSchema.RANKED.containsKey(sort.name())) {
            return false;
        }
        try (PreparedStatement ps = db.prepareStatement("SELECT 1 FROM device_order WHERE session_id = ? AND sort = ? LIMIT 1")) {
            ps.setString(1, sessionId);
            ps.setString(2, sort.name());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw unavailable("read the device order of session " + sessionId, e);
        }
    }

    private static String prefixed(String alias) {
        return java.util.Arrays.stream(RUN_COLUMNS.split(", ")).map(c -> alias + c).collect(Collectors.joining(", "));
    }

    /**
     * The filter of a listing. A filter on statuses other than OK also says {@code status <> 'OK'}, so that SQLite
     * takes the partial index of failed devices instead of scanning a million OK ones.
     */
    private static String where(String sessionId, DeviceQuery q, List<Object> args) {
        return where(sessionId, q, args, "");
    }

    /** The filter, with the columns of device_runs prefixed by {@code alias} (e.g. {@code r.}). */
    private static String where(String sessionId, DeviceQuery q, List<Object> args, String alias) {
        StringBuilder w = new StringBuilder(alias + "session_id = ?");
        args.add(sessionId);
        if (!q.statuses().isEmpty()) {
            w.append(" AND " + alias + "status IN (").append(q.statuses().stream().map(s -> "'" + s.name() + "'").collect(Collectors.joining(","))).append(')');
            if (!q.statuses().contains(TrainOutcome.Status.OK)) {
                w.append(" AND " + alias + "status <> 'OK'");
            }
        }
        if (q.search() != null && !q.search().isEmpty()) {
            w.append(" AND instr(CAST(" + alias + "device_id AS TEXT), ?) > 0");
            args.add(q.search());
        }
        for (DeviceQuery.MetricBound b : q.bounds()) {
            // a metric is a column of its own name; NULL (no such metric) meets no bound, as in MLflow
            w.append(" AND " + alias + b.metric().key() + " " + b.comparison().sql() + " ?");
            args.add(b.value());
        }
        return w.toString();
    }

    /** Worst first, devices without the metric last (the same orders as the ranks of finished sessions). */
    private static String orderBy(DeviceQuery.Sort sort) {
        return switch (sort) {
            case DEVICE -> "device_id";
            case MSE -> StoreSchema.RANKED.get("MSE");
            case R2 -> StoreSchema.RANKED.get("R2");
            case N_USED -> "n_used, device_id";
            case TRAIN_MS -> "train_ms DESC, device_id";
        };
    }

    /** Best first, devices without the metric still last. */
    private static String reverseOrderBy(DeviceQuery.Sort sort) {
        return switch (sort) {
            case DEVICE -> "device_id DESC";
            case MSE -> "mse IS NULL, mse, device_id";
            case R2 -> "r2 IS NULL, r2 DESC, device_id";
            case N_USED -> "n_used DESC, device_id";
            case TRAIN_MS -> "train_ms, device_id";
        };
    }

    private static void bind(PreparedStatement ps, List<Object> args) throws SQLException {
        for (int i = 0; i < args.size(); i++) {
            ps.setObject(i + 1, args.get(i));
        }
    }

    private TrainOutcome outcome(ResultSet rs) throws SQLException {
        byte[] stats = rs.getBytes(24);
        FleetOutcome fleet = null;
        if (stats != null) {
            String chosen = rs.getString(16);
            fleet = new FleetOutcome(chosen == null ? null : ModelKind.valueOf(chosen.toUpperCase(java.util.Locale.ROOT)),
                    metrics(rs, 17), metrics(rs, 19), metrics(rs, 21), absolute(rs.getString(23)), FleetStats.fromBytes(stats));
        }
        return new TrainOutcome(rs.getString(1), TrainOutcome.Status.valueOf(rs.getString(2)), rs.getInt(3), rs.getInt(4),
                rs.getInt(5), rs.getInt(6), new Metrics(real(rs, 7), real(rs, 8), real(rs, 9), real(rs, 10)), real(rs, 11),
                absolute(rs.getString(12)), rs.getString(13), rs.getDouble(14), rs.getString(15), fleet);
    }

    /** MSE and R² stored at {@code i} and {@code i + 1}; RMSE follows, MAE is not stored. */
    private static Metrics metrics(ResultSet rs, int i) throws SQLException {
        double mse = real(rs, i);
        return Double.isNaN(mse) ? Metrics.NONE : new Metrics(mse, Math.sqrt(mse), Double.NaN, real(rs, i + 1));
    }

    @Override
    public synchronized void recordFleet(String sessionId, FleetReport report) {
        writable();
        write(() -> {
            try (PreparedStatement ps = db.prepareStatement("UPDATE sessions SET fleet = ? WHERE session_id = ?")) {
                ps.setString(1, SessionJson.fleet(report.withModelUri(relative(report.modelUri()))));
                ps.setString(2, sessionId);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public synchronized void recordChoices(String sessionId, List<DeviceChoice> choices) {
        writable();
        DeviceIdType ids = idType(sessionId);
        write(() -> {
            try (PreparedStatement ps = db.prepareStatement("UPDATE device_runs SET chosen = ?, stack_mse = ?, stack_r2 = ? "
                    + "WHERE session_id = ? AND device_id = ?")) {
                for (DeviceChoice c : choices) {
                    ps.setString(1, c.chosen().label());
                    real(ps, 2, c.stack().mse());
                    real(ps, 3, c.stack().r2());
                    ps.setString(4, sessionId);
                    bindDevice(ps, 5, ids, c.deviceId());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    private static double real(ResultSet rs, int i) throws SQLException {
        double v = rs.getDouble(i);
        return rs.wasNull() ? Double.NaN : v;
    }

    @Override
    public synchronized List<String> deleteSessions(List<String> sessionIds) {
        writable();
        Set<String> doomed = new LinkedHashSet<>(sessionIds);
        for (String id : doomed) {
            SessionRecord s = session(id).orElseThrow(() -> noSession(id));
            if (s.status() == SessionStatus.RUNNING) {
                throw StoreException.conflict("session " + id + " is running (process " + s.owner() + "); nothing was deleted");
            }
            List<ModelVersion> versions = registry.versionsOf(id);
            if (!versions.isEmpty()) {
                throw StoreException.conflict("session " + id + " is registered as " + versions.stream().map(ModelVersion::ref)
                        .collect(Collectors.joining(", ")) + "; nothing was deleted");
            }
        }
        String in = doomed.stream().map(x -> "?").collect(Collectors.joining(",", "(", ")"));
        List<Object> args = new ArrayList<>(doomed);
        List<String> unreferenced = write(() -> {
            // the packs these sessions' runs use, by the session that trained them
            Map<String, Set<String>> packsByTrainer = new HashMap<>();
            // device models, and the residual models of a fleet session's hierarchical model (packs of their own)
            try (PreparedStatement ps = db.prepareStatement("SELECT DISTINCT coalesce(trained_in, session_id), " + PACK_OF
                    + " FROM device_runs WHERE model_uri IS NOT NULL AND session_id IN " + in + " UNION SELECT DISTINCT session_id, "
                    + PACK_OF.replace("model_uri", "residual_uri") + " FROM device_runs WHERE residual_uri IS NOT NULL AND session_id IN " + in)) {
                List<Object> twice = new ArrayList<>(args);
                twice.addAll(args);
                bind(ps, twice);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        packsByTrainer.computeIfAbsent(rs.getString(1), k -> new LinkedHashSet<>()).add(rs.getString(2));
                    }
                }
            }
            for (String id : doomed) { // the fleet model
                FleetReport fleet = session(id).orElseThrow().fleet();
                if (fleet != null && fleet.modelUri() != null) {
                    packsByTrainer.computeIfAbsent(id, k -> new LinkedHashSet<>()).add(relative(ModelUri.packOf(fleet.modelUri())));
                }
            }
            for (String table : new String[] {"device_order", "device_runs", "sessions"}) {
                try (PreparedStatement ps = db.prepareStatement("DELETE FROM " + table + " WHERE session_id IN " + in)) {
                    bind(ps, args);
                    ps.executeUpdate();
                }
            }
            List<String> free = new ArrayList<>();
            for (var e : packsByTrainer.entrySet()) {
                if (session(e.getKey()).isPresent()) {
                    continue; // the session that trained them remains, and its own runs use them
                }
                Set<String> packs = new LinkedHashSet<>(e.getValue());
                try (PreparedStatement ps = db.prepareStatement("SELECT DISTINCT " + PACK_OF + " FROM device_runs WHERE trained_in = ?")) {
                    ps.setString(1, e.getKey());
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            packs.remove(rs.getString(1)); // a retraining still inherits from it
                        }
                    }
                }
                packs.stream().map(this::absolute).forEach(free::add);
            }
            return free;
        });
        idTypes.keySet().removeAll(doomed);
        compact();
        return unreferenced;
    }

    /**
     * Gives the space of deleted runs back to the file system once a quarter of the file is free. VACUUM needs the
     * database to itself: while another process reads it (a dashboard, a listing), it gives up at once rather than
     * wait, and a later delete shrinks the file.
     */
    private void compact() {
        try (Statement st = db.createStatement()) {
            long free;
            long total;
            try (ResultSet rs = st.executeQuery("SELECT freelist_count, page_count FROM pragma_freelist_count, pragma_page_count")) {
                rs.next();
                free = rs.getLong(1);
                total = rs.getLong(2);
            }
            st.execute("PRAGMA busy_timeout = 200");
            try {
                if (free > 0 && free * 4 >= total) {
                    st.execute("VACUUM");
                }
                st.execute("PRAGMA wal_checkpoint(TRUNCATE)");
            } finally {
                st.execute("PRAGMA busy_timeout = 10000");
            }
        } catch (SQLException e) {
            // the runs are deleted; the file shrinks at a later delete
        }
    }

    StoreException noSession(String id) {
        return StoreException.notFound("no session '" + id + "' in " + location() + "; list them with: fleetml sessions");
    }

    private StoreException unavailable(String what, Exception e) {
        return StoreException.unavailable("cannot " + what + " in " + location() + ": " + firstLine(e), e);
    }

    interface Write<T> {
        T run() throws SQLException;
    }

    /** Runs {@code work} in one transaction. */
    <T> T write(Write<T> work) {
        try {
            db.setAutoCommit(false);
            T result = work.run();
            db.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            try {
                db.rollback();
            } catch (SQLException ignored) {
                // the original failure is what matters
            }
            if (e instanceof StoreException s) {
                throw s;
            }
            throw unavailable("write", e);
        } finally {
            try {
                db.setAutoCommit(true);
            } catch (SQLException ignored) {
                // next use reports a broken connection
            }
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // nothing was written
            }
        }
    }

    @Override
    public ModelRegistry registry() {
        return registry;
    }

    @Override
    public io.fleetml.stats.SessionStats stats() {
        return stats;
    }

    /** A second connection to the file, that only reads: the statistics' own, so that they wait on no one's lock. */
    private Connection reader() {
        try {
            SQLiteConfig config = new SQLiteConfig();
            config.setBusyTimeout(10_000);
            if (readOnly) {
                config.setReadOnly(true);
                config.setOpenMode(org.sqlite.SQLiteOpenMode.OPEN_URI);
                return connection("jdbc:sqlite:" + file.toUri() + "?immutable=1", config);
            }
            Connection c = connection("jdbc:sqlite:" + file, config);
            try (java.sql.Statement st = c.createStatement()) {
                st.execute("PRAGMA query_only = true");
            }
            return c;
        } catch (SQLException e) {
            throw unavailable("open a reader of the store", e);
        }
    }

    @Override
    public synchronized void close() {
        stats.close();
        closeQuietly(db);
    }
}
