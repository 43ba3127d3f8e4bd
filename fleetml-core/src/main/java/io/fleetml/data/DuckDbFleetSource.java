package io.fleetml.data;

import org.duckdb.DuckDBChunkedResult;
import org.duckdb.DuckDBDataChunkReader;
import org.duckdb.DuckDBPreparedStatement;
import org.duckdb.DuckDBReadableVector;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A fleet read by the embedded DuckDB from CSV, CSV.gz or Parquet: one file, a glob such as
 * {@code data/*.csv.gz}, or a directory of such files. DuckDB groups and sorts (spilling to disk when
 * the fleet is larger than memory); Java only ever holds the frames in flight.
 */
public final class DuckDbFleetSource implements FleetSource {
    private static final List<String> EXTENSIONS = List.of(".csv", ".csv.gz", ".tsv", ".tsv.gz", ".parquet");

    private final String description;
    private final Connection db;
    private final Map<String, String> types; // column -> DuckDB type, in source order
    /** CSV is parsed again by every query, so the columns a query reads are copied into a table once. */
    private final boolean text;
    private List<String> stagedColumns;
    private String indexedDeviceColumn;

    private DuckDbFleetSource(String description, Connection db, Map<String, String> types, boolean text) {
        this.description = description;
        this.db = db;
        this.types = types;
        this.text = text;
    }

    /**
     * Opens {@code location}: a file, a glob or a directory.
     *
     * @throws FleetInputException when nothing is there, the format is unknown or the files cannot be read
     */
    public static DuckDbFleetSource open(String location) {
        List<String> files = resolve(location);
        String format = formatOf(files.get(0), location);
        for (String f : files) {
            if (!formatOf(f, location).equals(format)) {
                throw new FleetInputException(location + " mixes " + format + " and " + formatOf(f, location)
                        + " files (e.g. " + f + "); point --data at files of one format");
            }
        }
        String list = files.stream().map(DuckDb::literal).collect(Collectors.joining(", ", "[", "]"));
        String reader = format.equals("parquet")
                ? "read_parquet(" + list + ", union_by_name = true)"
                : "read_csv(" + list + ", union_by_name = true, nullstr = ['NA', 'NaN', 'nan', ''], header = true)";
        Connection db = DuckDb.open();
        try (Statement st = db.createStatement()) {
            st.execute("CREATE VIEW fleet AS SELECT * FROM " + reader);
            Map<String, String> types = new LinkedHashMap<>();
            try (ResultSet rs = st.executeQuery("DESCRIBE fleet")) {
                while (rs.next()) {
                    types.put(rs.getString(1), rs.getString(2));
                }
            }
            String what = files.size() == 1 ? files.get(0) : location + " (" + files.size() + " files)";
            try (ResultSet rs = st.executeQuery("SELECT 1 FROM fleet LIMIT 1")) {
                if (!rs.next()) {
                    throw new FleetInputException("no rows in " + what + ": the data is empty");
                }
            }
            return new DuckDbFleetSource(what, db, types, format.equals("csv"));
        } catch (FleetInputException e) {
            closeQuietly(db);
            throw e;
        } catch (SQLException e) {
            closeQuietly(db);
            throw new FleetInputException("cannot read " + location + " as " + format + ": " + DuckDb.reason(e), e);
        }
    }

    private static List<String> resolve(String location) {
        if (location.indexOf('*') >= 0 || location.indexOf('?') >= 0 || location.indexOf('[') >= 0) {
            List<String> files = new ArrayList<>();
            try (Connection db = DuckDb.open(); Statement st = db.createStatement();
                 ResultSet rs = st.executeQuery("SELECT file FROM glob(" + DuckDb.literal(location) + ") ORDER BY file")) {
                while (rs.next()) {
                    files.add(rs.getString(1));
                }
            } catch (SQLException e) {
                throw new FleetInputException("cannot list " + location + ": " + DuckDb.reason(e), e);
            }
            if (files.isEmpty()) {
                throw new FleetInputException("no files match " + location + "; check the path and the pattern");
            }
            return files;
        }
        Path path = Path.of(location);
        if (Files.isDirectory(path)) {
            try (Stream<Path> s = Files.list(path)) {
                List<String> files = s.filter(p -> Files.isRegularFile(p) && hasKnownExtension(p.toString()))
                        .map(Path::toString).sorted().toList();
                if (files.isEmpty()) {
                    throw new FleetInputException("directory " + location + " holds no " + String.join(", ", EXTENSIONS) + " files");
                }
                return files;
            } catch (IOException e) {
                throw new FleetInputException("cannot list directory " + location + ": " + e.getMessage(), e);
            }
        }
        if (!Files.exists(path)) {
            throw new FleetInputException("file not found: " + location);
        }
        if (!Files.isReadable(path)) {
            throw new FleetInputException("file not readable: " + location + " (check its permissions)");
        }
        return List.of(location);
    }

    private static boolean hasKnownExtension(String file) {
        String f = file.toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(f::endsWith);
    }

    private static String formatOf(String file, String location) {
        String f = file.toLowerCase(Locale.ROOT);
        if (f.endsWith(".parquet")) {
            return "parquet";
        }
        if (f.endsWith(".csv") || f.endsWith(".csv.gz") || f.endsWith(".tsv") || f.endsWith(".tsv.gz")) {
            return "csv";
        }
        throw new FleetInputException("unknown format of " + file + (file.equals(location) ? "" : " (from " + location + ")")
                + ": use " + String.join(", ", EXTENSIONS) + " files");
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public List<String> columns() {
        return List.copyOf(types.keySet());
    }

    @Override
    public void check(FrameQuery q) {
        require("device column", q.deviceColumn());
        for (String f : q.features()) {
            requireNumeric("feature column", f);
        }
        if (q.label() != null) {
            requireNumeric("label column", q.label());
        }
        if (q.idColumn() != null) {
            requireNumeric("id column", q.idColumn());
        }
        for (String o : q.orderBy()) {
            require("time column", o);
        }
        if (q.features().isEmpty()) {
            throw new FleetInputException("no feature columns given; name them with --features A,B,C");
        }
    }

    @Override
    public DeviceIdType deviceIds(String deviceColumn) {
        require("device column", deviceColumn);
        return DuckDb.fitsLong(types.get(deviceColumn)) ? DeviceIdType.INTEGER : DeviceIdType.TEXT;
    }

    private void require(String what, String column) {
        if (!types.containsKey(column)) {
            throw new FleetInputException(ColumnNames.missingMessage(what, column, description, types.keySet()));
        }
    }

    private void requireNumeric(String what, String column) {
        require(what, column);
        String type = types.get(column);
        if (!DuckDb.isNumeric(type)) {
            throw new FleetInputException(what + " '" + column + "' in " + description + " is " + type
                    + ", not numeric; encode it as numbers first or leave it out");
        }
    }

    @Override
    public FleetShape shape(FrameQuery q) {
        check(q);
        try (Statement st = db.createStatement()) {
            indexDevices(st, relation(st, q), q.deviceColumn());
            try (ResultSet rs = st.executeQuery("SELECT coalesce(sum(fleetml_rows) FILTER (WHERE fleetml_device IS NOT NULL), 0), "
                    + "count(fleetml_device), coalesce(sum(fleetml_rows) FILTER (WHERE fleetml_device IS NULL), 0) FROM fleet_devices")) {
                rs.next();
                return new FleetShape(rs.getLong(1), rs.getLong(2), rs.getLong(3));
            }
        } catch (SQLException e) {
            throw new FleetInputException("cannot read " + description + ": " + DuckDb.reason(e), e);
        }
    }

    /**
     * Numbers the devices in their natural order, with their row counts, in one scan. Rows then carry
     * the number, not the id: a text column in the result costs JDBC a string per row (measured:
     * 9 s instead of 2 s for 10 million rows). Made once per device column.
     */
    private void indexDevices(Statement st, String relation, String deviceColumn) throws SQLException {
        if (deviceColumn.equals(indexedDeviceColumn)) {
            return;
        }
        String dev = DuckDb.ident(deviceColumn);
        st.execute("CREATE OR REPLACE TEMP TABLE fleet_devices AS SELECT fleetml_device, fleetml_rows, "
                + "CAST(row_number() OVER (ORDER BY fleetml_device NULLS LAST) - 1 AS INTEGER) AS fleetml_ordinal "
                + "FROM (SELECT " + dev + " AS fleetml_device, count(*) AS fleetml_rows FROM " + relation + " GROUP BY " + dev + ")");
        indexedDeviceColumn = deviceColumn;
    }

    /**
     * Where {@code q}'s columns are read from: the files for Parquet; for CSV, a table of just those
     * columns, parsed once (counting the devices and then reading them parsed the files twice: 0.7 s each
     * for the 12 Beijing stations). DuckDB spills the table to disk when it outgrows memory.
     */
    private String relation(Statement st, FrameQuery q) throws SQLException {
        if (!text) {
            return "fleet";
        }
        if (!q.columns().equals(stagedColumns)) {
            st.execute("CREATE OR REPLACE TEMP TABLE fleet_staged AS SELECT "
                    + q.columns().stream().map(DuckDb::ident).collect(Collectors.joining(", ")) + " FROM fleet");
            stagedColumns = q.columns();
        }
        return "fleet_staged";
    }

    @Override
    public Frames frames(FrameQuery q) {
        check(q);
        String dev = DuckDb.ident(q.deviceColumn());
        List<String> devices = new ArrayList<>();
        List<String> select = new ArrayList<>();
        select.add("d.fleetml_ordinal");
        for (String f : q.features()) {
            select.add(asDouble(f));
        }
        if (q.label() != null) {
            select.add(asDouble(q.label()));
        }
        // Without an id column, a record is known by its row number in source order.
        select.add(q.idColumn() != null ? "CAST(f." + DuckDb.ident(q.idColumn()) + " AS BIGINT)" : "f.fleetml_row");
        List<String> order = new ArrayList<>();
        order.add("1");
        q.orderBy().forEach(c -> order.add("f." + DuckDb.ident(c)));
        order.add(String.valueOf(select.size())); // ties broken by record id: deterministic frames
        try (Statement st = db.createStatement()) {
            String relation = relation(st, q);
            indexDevices(st, relation, q.deviceColumn());
            String rows = q.idColumn() != null ? relation : "(SELECT *, row_number() OVER () - 1 AS fleetml_row FROM " + relation + ")";
            String sql = "SELECT " + String.join(", ", select) + " FROM " + rows + " f JOIN fleet_devices d ON f." + dev + " = d.fleetml_device"
                    + " ORDER BY " + String.join(", ", order);
            try (ResultSet rs = st.executeQuery("SELECT CAST(fleetml_device AS VARCHAR) FROM fleet_devices "
                    + "WHERE fleetml_device IS NOT NULL ORDER BY fleetml_ordinal")) {
                while (rs.next()) {
                    devices.add(rs.getString(1));
                }
            }
            return new ResultFrames(db.prepareStatement(sql), q, devices);
        } catch (SQLException e) {
            throw new FleetInputException("cannot read " + description + ": " + DuckDb.reason(e), e);
        }
    }

    /** Missing values (NULL, NaN) become NaN in SQL, so the Java loop needs no wasNull checks. */
    private static String asDouble(String column) {
        return "coalesce(CAST(f." + DuckDb.ident(column) + " AS DOUBLE), 'NaN'::DOUBLE)";
    }

    @Override
    public void close() {
        closeQuietly(db);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing an in-memory database cannot lose data
        }
    }

    /**
     * Cuts the device-ordered result into frames, one device ahead. It reads DuckDB's chunks a column
     * at a time, not a ResultSet a value at a time: 0.3 s less of the reading thread's time per 10
     * million rows, and that thread is what feeds the workers.
     */
    private final class ResultFrames implements Frames {
        private final PreparedStatement statement;
        private final DuckDBChunkedResult result;
        private final FrameQuery query;
        private final int features;
        private final boolean labelled;
        private final List<String> devices;
        private DuckDBReadableVector ordinals;
        private final DuckDBReadableVector[] values; // the features, then the label
        private DuckDBReadableVector ids;
        private int row; // in the current chunk
        private int rows; // of the current chunk; 0 once the result is read

        ResultFrames(PreparedStatement statement, FrameQuery query, List<String> devices) throws SQLException {
            this.statement = statement;
            this.query = query;
            this.devices = devices;
            this.features = query.features().size();
            this.labelled = query.label() != null;
            this.values = new DuckDBReadableVector[features + (labelled ? 1 : 0)];
            DuckDBChunkedResult started = null;
            try {
                started = statement.unwrap(DuckDBPreparedStatement.class).query();
                this.result = started;
                nextChunk();
            } catch (SQLException | RuntimeException e) {
                if (started != null) {
                    closeQuietly(started);
                }
                closeQuietly(statement);
                throw e;
            }
        }

        /** Moves to the next non-empty chunk, or sets {@code rows} to 0 at the end. */
        private void nextChunk() throws SQLException {
            row = 0;
            rows = 0;
            while (rows == 0 && result.nextChunk()) {
                DuckDBDataChunkReader chunk = result.chunk();
                rows = (int) chunk.rowCount();
                ordinals = chunk.vector(0);
                for (int c = 0; c < values.length; c++) {
                    values[c] = chunk.vector(1 + c);
                }
                ids = chunk.vector(1 + values.length);
            }
        }

        @Override
        public boolean hasNext() {
            return row < rows;
        }

        @Override
        public DeviceFrame next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            int device = ordinals.getInt(row);
            String name = devices.get(device);
            Columns cols = new Columns(values.length);
            try {
                while (row < rows) {
                    int end = row;
                    while (end < rows && ordinals.getInt(end) == device) {
                        end++;
                    }
                    cols.add(values, ids, row, end);
                    row = end;
                    if (row < rows) {
                        break; // the next device starts in this chunk
                    }
                    nextChunk(); // the device may go on in the next chunk
                }
            } catch (SQLException e) {
                throw new FleetInputException("cannot read " + description + " at device " + name + ": " + DuckDb.reason(e), e);
            }
            double[][] all = cols.doubles();
            double[][] featureCols = Arrays.copyOf(all, features);
            return new DeviceFrame(name, query.features(), featureCols, labelled ? all[features] : null, cols.ids());
        }

        @Override
        public void close() {
            closeQuietly(result);
            closeQuietly(statement);
        }
    }

    /** Growable primitive columns for one device. */
    private static final class Columns {
        private double[][] values;
        private long[] ids = new long[64];
        private int n;

        Columns(int width) {
            values = new double[width][64];
        }

        /** Appends rows {@code from} (inclusive) to {@code to} (exclusive) of a chunk. */
        void add(DuckDBReadableVector[] vectors, DuckDBReadableVector idVector, int from, int to) {
            int count = to - from;
            if (n + count > ids.length) {
                int cap = Math.max(ids.length * 2, n + count);
                for (int c = 0; c < values.length; c++) {
                    values[c] = Arrays.copyOf(values[c], cap);
                }
                ids = Arrays.copyOf(ids, cap);
            }
            for (int c = 0; c < values.length; c++) {
                DuckDBReadableVector v = vectors[c];
                double[] col = values[c];
                for (int i = 0; i < count; i++) {
                    col[n + i] = v.getDouble(from + i);
                }
            }
            for (int i = 0; i < count; i++) {
                ids[n + i] = idVector.getLong(from + i, 0); // as JDBC's getLong: a NULL id reads as 0
            }
            n += count;
        }

        double[][] doubles() {
            double[][] out = new double[values.length][];
            for (int c = 0; c < values.length; c++) {
                out[c] = Arrays.copyOf(values[c], n);
            }
            return out;
        }

        long[] ids() {
            return Arrays.copyOf(ids, n);
        }
    }
}
