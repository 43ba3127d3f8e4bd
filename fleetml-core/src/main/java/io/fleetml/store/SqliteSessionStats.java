package io.fleetml.store;

import io.fleetml.stats.Bins;
import io.fleetml.stats.Failures;
import io.fleetml.stats.Histogram;
import io.fleetml.stats.HoldoutMetric;
import io.fleetml.stats.Scatter;
import io.fleetml.stats.SessionComparison;
import io.fleetml.stats.SessionCounts;
import io.fleetml.stats.SessionStats;
import io.fleetml.train.TrainOutcome;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Session statistics in the embedded store's SQLite file, in SQL: a histogram is a {@code GROUP BY} of bin indexes,
 * a percentile one {@code ORDER BY … LIMIT 1 OFFSET k}. They read on connections of their own, so that a dashboard's
 * queries (tens of milliseconds each on 100,000 devices) do not hold up the tracking store's writes or a server's
 * predictions, and a few at once, so that a page's calls run side by side; in WAL mode a reader sees the last commit
 * and blocks no one. A finished session never changes: its answers are kept (until it is deleted).
 */
final class SqliteSessionStats implements SessionStats, AutoCloseable {
    /** The share of devices left out at each end of a histogram's range. */
    private static final double TAIL = 0.01;
    /** A metric moved by less than this, relative to its value, has not moved. */
    private static final double SAME = 1e-9;
    /** Finished sessions' answers kept: a finished session never changes, and a dashboard asks the same again. */
    private static final int CACHED = 256;
    private final java.util.function.Supplier<Connection> open;
    /** Connections not in use; up to {@link #readers} are opened, so that a page's calls run side by side. */
    private final java.util.concurrent.BlockingQueue<Connection> idle = new java.util.concurrent.LinkedBlockingQueue<>();
    private final int readers = Math.max(2, Runtime.getRuntime().availableProcessors());
    private int opened;
    private boolean closed;
    /** The connection the calling thread borrowed for the call under way. */
    private final ThreadLocal<Connection> current = new ThreadLocal<>();
    private final Map<List<Object>, Object> answers = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<List<Object>, Object> eldest) {
            return size() > CACHED;
        }
    };

    SqliteSessionStats(java.util.function.Supplier<Connection> open) {
        this.open = open;
    }

    private Connection db() {
        return current.get();
    }

    /** A connection of the pool, opened when none is idle and fewer than {@link #readers} are open, else waited for. */
    private Connection borrow() {
        Connection c = idle.poll();
        if (c != null) {
            return c;
        }
        synchronized (this) {
            if (closed) {
                throw StoreException.unavailable("the store is closed", null);
            }
            if (opened < readers) {
                c = open.get();
                try {
                    // failure messages differ in their numbers: group them by the rest
                    org.sqlite.Function.create(c, "fleetml_reason", new org.sqlite.Function() {
                        @Override
                        protected void xFunc() throws SQLException {
                            result(Failures.reason(value_text(0)));
                        }
                    }, 1, org.sqlite.Function.FLAG_DETERMINISTIC);
                } catch (SQLException e) {
                    try {
                        c.close();
                    } catch (SQLException ignored) {
                        // said below
                    }
                    throw failed("open a reader of the store", e);
                }
                opened++;
                return c;
            }
        }
        try {
            return idle.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw StoreException.unavailable("interrupted waiting for a reader of the store", e);
        }
    }

    private synchronized void release(Connection c) {
        if (!closed) {
            idle.add(c);
            return;
        }
        try {
            c.close();
        } catch (SQLException ignored) {
            // it only read
        }
    }

    /** Runs {@code work} on a borrowed connection. */
    private <T> T read(java.util.function.Supplier<T> work) {
        Connection c = borrow();
        current.set(c);
        try {
            return work.get();
        } finally {
            current.remove();
            release(c);
        }
    }

    /**
     * The answer {@code key} stands for: kept from before when every session it reads is finished (its devices are
     * ranked, which they are from the moment it finishes until it is deleted), else computed now.
     */
    @SuppressWarnings("unchecked")
    private <T> T answer(List<Object> key, List<String> sessions, java.util.function.Supplier<T> compute) {
        return read(() -> {
            boolean finished = true;
            try {
                for (String session : sessions) {
                    finished &= ranked(session, HoldoutMetric.MSE) > 0;
                }
            } catch (SQLException e) {
                throw failed("read the sessions " + sessions, e);
            }
            if (finished) {
                synchronized (answers) {
                    Object kept = answers.get(key);
                    if (kept != null) {
                        return (T) kept;
                    }
                }
            }
            T fresh = compute.get();
            if (finished) {
                synchronized (answers) {
                    answers.put(key, fresh);
                }
            }
            return fresh;
        });
    }

    @Override
    public SessionCounts counts(String sessionId, long expected, boolean fleet) {
        return read(() -> countsOf(sessionId, expected, fleet));
    }

    @Override
    public Histogram histogram(String sessionId, HoldoutMetric metric, int bins) {
        return answer(List.of("histogram", sessionId, metric, bins), List.of(sessionId), () -> histogramOf(sessionId, metric, bins));
    }

    @Override
    public Scatter scatter(String sessionId, HoldoutMetric metric, int xBins, int yBins, int worst) {
        return answer(List.of("scatter", sessionId, metric, xBins, yBins, worst), List.of(sessionId),
                () -> scatterOf(sessionId, metric, xBins, yBins, worst));
    }

    @Override
    public Failures failures(String sessionId, int top, int examples) {
        return answer(List.of("failures", sessionId, top, examples), List.of(sessionId), () -> failuresOf(sessionId, top, examples));
    }

    @Override
    public SessionComparison compare(String a, String b, HoldoutMetric metric, int bins) {
        return answer(List.of("compare", a, b, metric, bins), List.of(a, b), () -> compareOf(a, b, metric, bins));
    }

    @Override
    public List<SessionComparison.DeviceChange> worse(String a, String b, HoldoutMetric metric, int limit, long offset) {
        return answer(List.of("worse", a, b, metric, limit, offset), List.of(a, b), () -> worseOf(a, b, metric, limit, offset));
    }

    @Override
    public List<String> onlyIn(String in, String notIn, int limit, long offset) {
        return answer(List.of("onlyIn", in, notIn, limit, offset), List.of(in, notIn), () -> onlyInOf(in, notIn, limit, offset));
    }

    private SessionCounts countsOf(String sessionId, long expected, boolean fleet) {
        Map<TrainOutcome.Status, Long> statuses = new EnumMap<>(TrainOutcome.Status.class);
        for (TrainOutcome.Status s : TrainOutcome.Status.values()) {
            statuses.put(s, 0L);
        }
        Map<String, Long> chosen = fleet ? new TreeMap<>() : null;
        try {
            // a finished session knows its counts; only the model choices need a pass over its runs
            boolean known = false;
            try (PreparedStatement ps = db().prepareStatement("SELECT n_ok, n_failed, n_skipped FROM sessions WHERE session_id = ? "
                    + "AND status = 'FINISHED' AND n_ok IS NOT NULL")) {
                ps.setString(1, sessionId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        known = true;
                        statuses.put(TrainOutcome.Status.OK, rs.getLong(1));
                        statuses.put(TrainOutcome.Status.FAILED, rs.getLong(2));
                        statuses.put(TrainOutcome.Status.SKIPPED, rs.getLong(3));
                    }
                }
            }
            if (!known || fleet) {
                try (PreparedStatement ps = db().prepareStatement("SELECT status, chosen, count(*) FROM device_runs WHERE session_id = ? GROUP BY status, chosen")) {
                    ps.setString(1, sessionId);
                    try (ResultSet rs = ps.executeQuery()) {
                        Map<TrainOutcome.Status, Long> counted = new EnumMap<>(TrainOutcome.Status.class);
                        while (rs.next()) {
                            counted.merge(TrainOutcome.Status.valueOf(rs.getString(1)), rs.getLong(3), Long::sum);
                            if (chosen != null) {
                                chosen.merge(rs.getString(2) == null ? "none" : rs.getString(2), rs.getLong(3), Long::sum);
                            }
                        }
                        if (!known) {
                            statuses.putAll(counted);
                        }
                    }
                }
            }
        } catch (SQLException e) {
            throw failed("count the devices of session " + sessionId, e);
        }
        long recorded = statuses.values().stream().mapToLong(Long::longValue).sum();
        return new SessionCounts(statuses, recorded, expected, chosen);
    }

    /** How a metric is spread in a session: its count, extremes and the range its bins span. */
    private record Spread(long devices, long missing, double min, double max, double lo, double hi, boolean log, boolean ranked) {
    }

    private Spread spread(String sessionId, HoldoutMetric metric) throws SQLException {
        long ranked = ranked(sessionId, metric);
        return ranked > 0 ? rankedSpread(sessionId, metric, ranked) : scannedSpread(sessionId, metric);
    }

    /**
     * The spread of a finished session, from its devices ranked worst first by the metric ({@code device_order}): each
     * percentile, extreme and count is a lookup or a binary search of ranks, not a pass over 100,000 runs.
     */
    private Spread rankedSpread(String sessionId, HoldoutMetric metric, long all) throws SQLException {
        long devices = firstRank(sessionId, metric, all, v -> false); // devices without the metric are ranked last
        if (devices == 0) {
            return new Spread(0, all, Double.NaN, Double.NaN, 0, 1, false, true);
        }
        if (metric == HoldoutMetric.R2) { // lowest first
            long k = (long) Math.floor(TAIL * (devices - 1));
            return new Spread(devices, all - devices, valueAt(sessionId, metric, 0), valueAt(sessionId, metric, devices - 1),
                    valueAt(sessionId, metric, k), valueAt(sessionId, metric, devices - 1 - k), false, true);
        }
        long positive = firstRank(sessionId, metric, devices, v -> v <= 0); // highest first: zero errors are ranked after the rest
        double max = valueAt(sessionId, metric, 0);
        double min = valueAt(sessionId, metric, devices - 1);
        if (positive == 0) {
            return new Spread(devices, all - devices, min, max, 0, 0, false, true);
        }
        long k = (long) Math.floor(TAIL * (positive - 1));
        return new Spread(devices, all - devices, min, max, valueAt(sessionId, metric, positive - 1 - k), valueAt(sessionId, metric, k), true, true);
    }

    /** How many of the session's devices are ranked by the metric: all of a finished session's, else none. */
    private long ranked(String sessionId, HoldoutMetric metric) throws SQLException {
        try (PreparedStatement ps = db().prepareStatement("SELECT max(rank) + 1 FROM device_order WHERE session_id = ? AND sort = ?")) {
            ps.setString(1, sessionId);
            ps.setString(2, metric.name());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    /** The metric of the device at {@code rank}; NaN when it has none. */
    private double valueAt(String sessionId, HoldoutMetric metric, long rank) throws SQLException {
        try (PreparedStatement ps = db().prepareStatement("SELECT r." + metric.column() + " FROM device_order o JOIN device_runs r "
                + "ON r.session_id = o.session_id AND r.device_id = o.device_id WHERE o.session_id = ? AND o.sort = ? AND o.rank = ?")) {
            ps.setString(1, sessionId);
            ps.setString(2, metric.name());
            ps.setLong(3, rank);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Double.NaN;
                }
                double v = rs.getDouble(1);
                return rs.wasNull() ? Double.NaN : v;
            }
        }
    }

    /** The first rank below {@code end} whose device has no metric or one {@code stop} holds for (the ranks keep those last). */
    private long firstRank(String sessionId, HoldoutMetric metric, long end, java.util.function.DoublePredicate stop) throws SQLException {
        long lo = 0;
        long hi = end;
        while (lo < hi) {
            long mid = (lo + hi) >>> 1;
            double v = valueAt(sessionId, metric, mid);
            if (Double.isNaN(v) || stop.test(v)) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** The spread of a session still being trained (not ranked yet), in three passes over its runs. */
    private Spread scannedSpread(String sessionId, HoldoutMetric metric) throws SQLException {
        String col = metric.column();
        long all;
        long devices;
        long positive;
        double min;
        double max;
        try (PreparedStatement ps = db().prepareStatement("SELECT count(*), count(" + col + "), count(CASE WHEN " + col + " > 0 THEN 1 END), min("
                + col + "), max(" + col + ") FROM device_runs WHERE session_id = ?")) {
            ps.setString(1, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                all = rs.getLong(1);
                devices = rs.getLong(2);
                positive = rs.getLong(3);
                min = devices == 0 ? Double.NaN : rs.getDouble(4);
                max = devices == 0 ? Double.NaN : rs.getDouble(5);
            }
        }
        if (devices == 0) {
            return new Spread(0, all, min, max, 0, 1, false, false);
        }
        boolean log = metric == HoldoutMetric.MSE && positive > 0;
        String filter = col + (log ? " > 0" : " IS NOT NULL");
        long n = log ? positive : devices;
        long k = (long) Math.floor(TAIL * (n - 1));
        return new Spread(devices, all - devices, min, max, quantile(sessionId, col, filter, "", k), quantile(sessionId, col, filter, " DESC", k), log, false);
    }

    /** The {@code k}-th value from the low end (or from the high end, {@code order} " DESC"). */
    private double quantile(String sessionId, String col, String filter, String order, long k) throws SQLException {
        try (PreparedStatement ps = db().prepareStatement("SELECT " + col + " FROM device_runs WHERE session_id = ? AND " + filter
                + " ORDER BY " + col + order + " LIMIT 1 OFFSET ?")) {
            ps.setString(1, sessionId);
            ps.setLong(2, k);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getDouble(1);
            }
        }
    }

    private Histogram histogramOf(String sessionId, HoldoutMetric metric, int bins) {
        try {
            Spread s = spread(sessionId, metric);
            Bins edges = Bins.between(s.lo(), s.hi(), bins, s.log());
            long[] counts = new long[bins];
            long below = 0;
            long above = 0;
            try (PreparedStatement ps = db().prepareStatement("SELECT i, count(*) FROM (SELECT " + edges.sqlIndex(metric.column()) + " i FROM device_runs "
                    + "WHERE session_id = ? AND " + metric.column() + " IS NOT NULL) GROUP BY i")) {
                ps.setString(1, sessionId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        int i = rs.getInt(1);
                        if (i < 0) {
                            below += rs.getLong(2);
                        } else if (i >= bins) {
                            above += rs.getLong(2);
                        } else {
                            counts[i] = rs.getLong(2);
                        }
                    }
                }
            }
            return new Histogram(metric, edges, counts, below, above, s.devices(), s.missing(), s.min(), s.max());
        } catch (SQLException e) {
            throw failed("bin the " + metric.column() + " of session " + sessionId, e);
        }
    }

    private Scatter scatterOf(String sessionId, HoldoutMetric metric, int xBins, int yBins, int worst) {
        String col = metric.column();
        try {
            Spread s = spread(sessionId, metric);
            Bins y = Bins.between(s.lo(), s.hi(), yBins, s.log());
            double lo;
            double hi;
            try (PreparedStatement ps = db().prepareStatement("SELECT min(n_used), max(n_used) FROM device_runs WHERE session_id = ? AND n_used > 0 AND "
                    + col + " IS NOT NULL")) {
                ps.setString(1, sessionId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    lo = rs.getObject(1) == null ? 1 : rs.getDouble(1);
                    hi = rs.getObject(2) == null ? 10 : rs.getDouble(2);
                }
            }
            Bins x = Bins.between(lo, hi, xBins, true);
            List<Scatter.Cell> cells = new ArrayList<>();
            long devices = 0;
            // one grouping key, not two: SQLite groups by sorting, and one integer sorts faster
            try (PreparedStatement ps = db().prepareStatement("SELECT c, count(*) FROM (SELECT " + x.sqlClampedIndex("n_used") + " * " + yBins + " + "
                    + y.sqlClampedIndex(col) + " c FROM device_runs WHERE session_id = ? AND n_used > 0 AND " + col + " IS NOT NULL) GROUP BY c")) {
                ps.setString(1, sessionId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        int c = rs.getInt(1);
                        cells.add(new Scatter.Cell(c / yBins, c % yBins, rs.getLong(2)));
                        devices += rs.getLong(2);
                    }
                }
            }
            List<Scatter.Point> points = new ArrayList<>();
            // worst first: a finished session walks its ranks; a running one sorts
            String worstFirst = s.ranked()
                    ? "SELECT r.device_id, r.n_used, r." + col + " FROM device_order o JOIN device_runs r ON r.session_id = o.session_id "
                    + "AND r.device_id = o.device_id WHERE o.session_id = ?1 AND o.sort = '" + metric.name() + "' AND r.n_used > 0 AND r." + col
                    + " IS NOT NULL ORDER BY o.rank LIMIT ?2"
                    : "SELECT device_id, n_used, " + col + " FROM device_runs WHERE session_id = ?1 AND n_used > 0 AND " + col + " IS NOT NULL ORDER BY "
                    + col + (metric.higherIsWorse() ? " DESC" : "") + ", device_id LIMIT ?2";
            try (PreparedStatement ps = db().prepareStatement(worstFirst)) {
                ps.setString(1, sessionId);
                ps.setInt(2, worst);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        points.add(new Scatter.Point(rs.getString(1), rs.getLong(2), rs.getDouble(3)));
                    }
                }
            }
            return new Scatter(metric, x, y, cells, devices, points);
        } catch (SQLException e) {
            throw failed("bin the " + col + " of session " + sessionId, e);
        }
    }

    private Failures failuresOf(String sessionId, int top, int examples) {
        record Group(TrainOutcome.Status status, String reason, String error, long count, List<String> examples) {
        }
        Map<List<String>, Group> groups = new LinkedHashMap<>();
        // one pass over the failed devices (their partial index): each group's size, and its first few devices
        try (PreparedStatement ps = db().prepareStatement("SELECT status, reason, device_id, error, n FROM (SELECT status, reason, device_id, error, "
                + "row_number() OVER w AS k, count(*) OVER (PARTITION BY status, reason) AS n FROM (SELECT status, fleetml_reason(error) AS reason, "
                + "device_id, error FROM device_runs INDEXED BY device_runs_not_ok WHERE session_id = ? AND status <> 'OK') "
                + "WINDOW w AS (PARTITION BY status, reason ORDER BY device_id)) WHERE k <= ?")) {
            ps.setString(1, sessionId);
            ps.setInt(2, Math.max(1, examples));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    TrainOutcome.Status status = TrainOutcome.Status.valueOf(rs.getString(1));
                    Group g = groups.computeIfAbsent(List.of(status.name(), rs.getString(2)),
                            key -> new Group(status, key.get(1), null, 0, new ArrayList<>()));
                    if (g.error() == null) {
                        g = new Group(status, g.reason(), String.valueOf(rs.getString(4)), rs.getLong(5), g.examples());
                        groups.put(List.of(status.name(), g.reason()), g);
                    }
                    if (g.examples().size() < examples) {
                        g.examples().add(rs.getString(3));
                    }
                }
            }
        } catch (SQLException e) {
            throw failed("group the failures of session " + sessionId, e);
        }
        long failed = groups.values().stream().filter(g -> g.status() == TrainOutcome.Status.FAILED).mapToLong(Group::count).sum();
        long skipped = groups.values().stream().filter(g -> g.status() == TrainOutcome.Status.SKIPPED).mapToLong(Group::count).sum();
        List<Failures.Group> largest = groups.values().stream()
                .sorted(Comparator.comparingLong(Group::count).reversed().thenComparing(Group::reason))
                .limit(top)
                .map(g -> new Failures.Group(g.status(), g.reason(), g.error(), g.count(), List.copyOf(g.examples())))
                .toList();
        long listed = largest.stream().mapToLong(Failures.Group::count).sum();
        return new Failures(failed, skipped, largest, failed + skipped - listed);
    }

    /** Two sessions' runs of the same device. */
    private static final String JOINED = " FROM device_runs a JOIN device_runs b ON b.session_id = ?2 AND b.device_id = a.device_id WHERE a.session_id = ?1";

    /** The SQL condition: the device's metric got worse (or better) from a to b, by more than {@link #SAME}. */
    private static String moved(HoldoutMetric m, boolean worse) {
        String c = m.column();
        return m.higherIsWorse() == worse ? "b." + c + " > a." + c + " + " + SAME + " * abs(a." + c + ")"
                : "b." + c + " < a." + c + " - " + SAME + " * abs(a." + c + ")";
    }

    private SessionComparison compareOf(String a, String b, HoldoutMetric metric, int bins) {
        String c = metric.column();
        try {
            Spread sa = spread(a, metric);
            Spread sb = spread(b, metric);
            boolean log = sa.log() && sb.log() || sa.log() && sb.devices() == 0 || sb.log() && sa.devices() == 0;
            Bins edges = Bins.between(Math.min(lo(sa, sb), lo(sb, sa)), Math.max(hi(sa, sb), hi(sb, sa)), bins, log);
            String both = "a." + c + " IS NOT NULL AND b." + c + " IS NOT NULL";
            List<Scatter.Cell> cells = new ArrayList<>();
            long common = 0;
            long compared = 0;
            long worse = 0;
            long better = 0;
            // one pass over the devices in both: the cells, and how many got worse or better (a device without the metric
            // in either session is in the cell (NULL, NULL) and moved neither way)
            try (PreparedStatement ps = db().prepareStatement("SELECT xi, yi, count(*), coalesce(sum(w), 0), coalesce(sum(bt), 0) FROM (SELECT "
                    + "CASE WHEN " + both + " THEN " + edges.sqlClampedIndex("a." + c) + " END xi, CASE WHEN " + both + " THEN "
                    + edges.sqlClampedIndex("b." + c) + " END yi, " + moved(metric, true) + " w, " + moved(metric, false) + " bt" + JOINED
                    + ") GROUP BY xi, yi")) {
                ps.setString(1, a);
                ps.setString(2, b);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long n = rs.getLong(3);
                        common += n;
                        worse += rs.getLong(4);
                        better += rs.getLong(5);
                        if (rs.getObject(1) != null) {
                            compared += n;
                            cells.add(new Scatter.Cell(rs.getInt(1), rs.getInt(2), n));
                        }
                    }
                }
            }
            return new SessionComparison(a, b, metric, common, size(b, metric) - common, size(a, metric) - common, compared, worse, better, edges, cells);
        } catch (SQLException e) {
            throw failed("compare sessions " + a + " and " + b, e);
        }
    }

    /** The low end of a spread, or the other's when it has no devices. */
    private static double lo(Spread s, Spread other) {
        return s.devices() > 0 ? s.lo() : other.devices() > 0 ? other.lo() : 0;
    }

    private static double hi(Spread s, Spread other) {
        return s.devices() > 0 ? s.hi() : other.devices() > 0 ? other.hi() : 1;
    }

    /** The session's devices: how many are ranked when it finished, else a count. */
    private long size(String sessionId, HoldoutMetric metric) throws SQLException {
        long ranked = ranked(sessionId, metric);
        if (ranked > 0) {
            return ranked;
        }
        try (PreparedStatement ps = db().prepareStatement("SELECT count(*) FROM device_runs WHERE session_id = ?")) {
            ps.setString(1, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private List<SessionComparison.DeviceChange> worseOf(String a, String b, HoldoutMetric metric, int limit, long offset) {
        String c = metric.column();
        String change = metric.higherIsWorse() ? "CASE WHEN a." + c + " > 0 THEN b." + c + " / a." + c + " ELSE 1e308 END" : "b." + c + " - a." + c;
        List<SessionComparison.DeviceChange> out = new ArrayList<>();
        try (PreparedStatement ps = db().prepareStatement("SELECT a.device_id, a." + c + ", b." + c + ", " + change + " AS change" + JOINED + " AND "
                + moved(metric, true) + " ORDER BY change" + (metric.higherIsWorse() ? " DESC" : "") + ", a.device_id LIMIT ?3 OFFSET ?4")) {
            ps.setString(1, a);
            ps.setString(2, b);
            ps.setInt(3, limit);
            ps.setLong(4, offset);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new SessionComparison.DeviceChange(rs.getString(1), rs.getDouble(2), rs.getDouble(3), rs.getDouble(4)));
                }
            }
        } catch (SQLException e) {
            throw failed("compare sessions " + a + " and " + b, e);
        }
        return List.copyOf(out);
    }

    private List<String> onlyInOf(String in, String notIn, int limit, long offset) {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = db().prepareStatement("SELECT device_id FROM device_runs x WHERE session_id = ?1 AND NOT EXISTS "
                + "(SELECT 1 FROM device_runs y WHERE y.session_id = ?2 AND y.device_id = x.device_id) ORDER BY device_id LIMIT ?3 OFFSET ?4")) {
            ps.setString(1, in);
            ps.setString(2, notIn);
            ps.setInt(3, limit);
            ps.setLong(4, offset);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw failed("compare sessions " + in + " and " + notIn, e);
        }
        return List.copyOf(out);
    }

    private static StoreException failed(String what, SQLException e) {
        return StoreException.unavailable("cannot " + what + ": " + e.getMessage(), e);
    }

    @Override
    public synchronized void close() {
        closed = true;
        for (Connection c; (c = idle.poll()) != null; ) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // it only read
            }
        }
    }
}
