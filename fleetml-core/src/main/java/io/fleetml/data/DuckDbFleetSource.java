package io.fleetml.data;

import org.duckdb.DuckDBChunkedResult;
import org.duckdb.DuckDBDataChunkReader;
import org.duckdb.DuckDBPreparedStatement;
import org.duckdb.DuckDBReadableVector;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * A fleet read by the embedded DuckDB from CSV, CSV.gz or Parquet: one file, a glob such as
 * {@code data/*.csv.gz}, or a directory of such files. DuckDB groups and sorts (spilling to disk when
 * the fleet is larger than memory); Java only ever holds the frames in flight.
 *
 * <p>Bad files are a {@link FleetInputException} of one line that names the file, wherever DuckDB
 * notices them (opening, counting, or reading the frames); see {@link Input#failure}. What DuckDB does
 * not notice is checked at {@link #open}: a gzip file cut short (DuckDB reads it to where it ends) and
 * files whose columns differ (read together, the missing columns would be NULL).
 */
public final class DuckDbFleetSource implements FleetSource {
    private static final List<String> EXTENSIONS = List.of(".csv", ".csv.gz", ".tsv", ".tsv.gz", ".parquet");
    /** Delimiters a CSV header is looked at for: the ones DuckDB's sniffer tries. */
    private static final String DELIMITERS = ",;\t|";
    /** A header longer than this is not a header. */
    private static final int MAX_HEADER_BYTES = 1 << 20;
    private static final Pattern FIELD_COUNTS = Pattern.compile("Expected Number of Columns: (\\d+) Found: (\\d+)");
    private static final Pattern CSV_LINE = Pattern.compile("CSV Error on Line: (\\d+)");

    private final Input input;
    private final String description;
    private final String location;
    private final Connection db;
    private final Map<String, String> types; // column -> DuckDB type, in source order
    /** CSV is parsed again by every query, so the columns a query reads are copied into a table once. */
    private final boolean text;
    private List<String> stagedColumns;
    private String indexedDeviceColumn;
    private DeviceFilter selectedFilter;

    private DuckDbFleetSource(Input input, String description, String location, Connection db, Map<String, String> types) {
        this.input = input;
        this.description = description;
        this.location = location;
        this.db = db;
        this.types = types;
        this.text = input.csv();
    }

    /**
     * Opens {@code location}: a file, a glob or a directory.
     *
     * @throws FleetInputException when nothing is there, the format is unknown, the files cannot be read
     *                             or (several files) their columns differ
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
        String what = files.size() == 1 ? files.get(0) : location + " (" + files.size() + " files)";
        Connection db = DuckDb.open();
        Input input = null;
        try {
            if (format.equals("csv")) {
                List<CsvHead> heads = CsvHead.readAll(files);
                sameColumns(files, heads.stream().map(CsvHead::columns).toList());
                input = new Input(what, files, true, heads);
            } else {
                input = new Input(what, files, false, List.of());
                if (files.size() > 1) {
                    try (Statement st = db.createStatement()) {
                        // the footers read for the schemas then serve the view too: +0.07 s to open 1,000 files, not +0.11 s
                        st.execute("SET parquet_metadata_cache = true");
                    }
                    sameColumns(files, parquetColumns(db, input));
                }
            }
            String list = files.stream().map(DuckDb::literal).collect(Collectors.joining(", ", "[", "]"));
            String reader = input.csv()
                    ? "read_csv(" + list + ", union_by_name = true, " + input.csvOptions(null) + ")"
                    : "read_parquet(" + list + ", union_by_name = true)";
            try (Statement st = db.createStatement()) {
                st.execute("CREATE VIEW fleet AS SELECT * FROM " + reader);
                Map<String, String> types = new LinkedHashMap<>();
                try (ResultSet rs = st.executeQuery("DESCRIBE fleet")) {
                    while (rs.next()) {
                        types.put(rs.getString(1), rs.getString(2));
                    }
                }
                try (ResultSet rs = st.executeQuery("SELECT 1 FROM fleet LIMIT 1")) {
                    if (!rs.next()) {
                        throw new FleetInputException("no rows in " + what + ": the data is empty");
                    }
                }
                return new DuckDbFleetSource(input, what, absolute(location), db, types);
            }
        } catch (FleetInputException e) {
            closeQuietly(db);
            throw e;
        } catch (SQLException | RuntimeException e) {
            closeQuietly(db);
            if (e instanceof RuntimeException r && !DuckDb.fromDriver(r)) {
                throw r;
            }
            if (input == null) {
                throw new FleetInputException("cannot read " + location + " as " + format + ": " + DuckDb.reason(e), e);
            }
            throw input.failure(e, null, "");
        }
    }

    /**
     * The top-level columns of each Parquet file, from the footers alone ({@code parquet_schema}: 0.05 to
     * 0.13 s for 1,000 files). A footer DuckDB cannot read is named here, where it is cheap to find.
     */
    private static List<List<String>> parquetColumns(Connection db, Input input) throws SQLException {
        String list = input.files().stream().map(DuckDb::literal).collect(Collectors.joining(", ", "[", "]"));
        Map<String, List<Object[]>> elements = new LinkedHashMap<>();
        try (Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT file_name, name, coalesce(num_children, 0) FROM parquet_schema(" + list + ")")) {
            while (rs.next()) {
                elements.computeIfAbsent(rs.getString(1), f -> new ArrayList<>()).add(new Object[] {rs.getString(2), rs.getInt(3)});
            }
        } catch (SQLException e) {
            for (String f : input.files()) {
                try (Statement st = db.createStatement();
                     ResultSet rs = st.executeQuery("SELECT count(*) FROM parquet_schema(" + DuckDb.literal(f) + ")")) {
                    rs.next();
                } catch (SQLException bad) {
                    throw input.parquetFailure(f, bad);
                }
            }
            throw e;
        }
        List<List<String>> columns = new ArrayList<>();
        for (String f : input.files()) {
            // The schema is a tree written depth first: the root, then each column and its children.
            List<Object[]> tree = elements.get(f);
            if (tree == null) {
                columns.add(null); // named otherwise by DuckDB: not compared rather than compared wrongly
                continue;
            }
            List<String> top = new ArrayList<>();
            int at = 1;
            for (int c = 0; c < (int) tree.get(0)[1] && at < tree.size(); c++) {
                top.add((String) tree.get(at)[0]);
                at = skipSubtree(tree, at);
            }
            columns.add(top);
        }
        return columns;
    }

    /** The index after the element at {@code at} and all its descendants. */
    private static int skipSubtree(List<Object[]> tree, int at) {
        int children = (int) tree.get(at)[1];
        int next = at + 1;
        for (int c = 0; c < children && next < tree.size(); c++) {
            next = skipSubtree(tree, next);
        }
        return next;
    }

    /**
     * Fails when the files do not all have the same columns (by name, in any order, case-insensitive as
     * DuckDB matches them): read together, a column one file lacks would be NULL in all its rows. The
     * columns most files have are the reference; up to three files that differ are named. A file whose
     * columns are null (a CSV header Java could not be sure of) is left out.
     */
    static void sameColumns(List<String> allFiles, List<List<String>> allColumns) {
        List<String> files = new ArrayList<>();
        List<List<String>> columns = new ArrayList<>();
        for (int i = 0; i < allFiles.size(); i++) {
            if (allColumns.get(i) != null) {
                files.add(allFiles.get(i));
                columns.add(allColumns.get(i));
            }
        }
        if (files.size() < 2) {
            return;
        }
        List<Map<String, String>> named = new ArrayList<>(); // per file: lower case -> as written
        Map<Set<String>, Integer> counts = new LinkedHashMap<>();
        for (List<String> cs : columns) {
            Map<String, String> byKey = new LinkedHashMap<>();
            cs.forEach(c -> byKey.putIfAbsent(c.toLowerCase(Locale.ROOT), c));
            named.add(byKey);
            counts.merge(byKey.keySet(), 1, Integer::sum);
        }
        if (counts.size() == 1) {
            return;
        }
        Set<String> reference = counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey(); // first on ties
        int ref = 0;
        while (!named.get(ref).keySet().equals(reference)) {
            ref++;
        }
        Path parent = commonParent(files);
        String refName = shortName(parent, files.get(ref));
        List<String> differences = new ArrayList<>();
        int differing = 0;
        for (int i = 0; i < files.size(); i++) {
            Map<String, String> cs = named.get(i);
            if (cs.keySet().equals(reference)) {
                continue;
            }
            if (++differing > 3) {
                continue;
            }
            Map<String, String> refColumns = named.get(ref);
            List<String> lacks = refColumns.keySet().stream().filter(k -> !cs.containsKey(k)).map(refColumns::get).toList();
            List<String> extra = cs.keySet().stream().filter(k -> !refColumns.containsKey(k)).map(cs::get).toList();
            StringBuilder d = new StringBuilder(shortName(parent, files.get(i)));
            if (!lacks.isEmpty()) {
                d.append(" lacks ").append(quoted(lacks)).append(" (present in ").append(refName).append(')');
            }
            if (!extra.isEmpty()) {
                d.append(lacks.isEmpty() ? "" : " and").append(" has ").append(quoted(extra)).append(" (not in ").append(refName).append(')');
            }
            differences.add(d.toString());
        }
        throw new FleetInputException("files in " + (parent == null ? "." : parent) + "/ have different columns: " + String.join("; ", differences)
                + (differing > 3 ? "; and " + (differing - 3) + " more files differ" : "")
                + "; give files with the same columns (in any order), or read them separately");
    }

    private static String quoted(List<String> names) {
        String shown = names.stream().limit(5).map(n -> "'" + n + "'").collect(Collectors.joining(", "));
        return names.size() > 5 ? shown + " and " + (names.size() - 5) + " more" : shown;
    }

    private static Path commonParent(List<String> files) {
        Path common = Path.of(files.get(0)).getParent();
        for (String f : files) {
            while (common != null && !Path.of(f).startsWith(common)) {
                common = common.getParent();
            }
        }
        return common;
    }

    private static String shortName(Path parent, String file) {
        return parent == null ? file : parent.relativize(Path.of(file)).toString();
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

    /** The location as an absolute path (or glob), so that a session can read it again from anywhere. */
    private static String absolute(String location) {
        try {
            return Path.of(location).toAbsolutePath().normalize().toString();
        } catch (RuntimeException e) {
            return location;
        }
    }

    @Override
    public String location() {
        return location;
    }

    /**
     * Checks that {@code columns} exist, e.g. the columns scoring passes through.
     *
     * @throws FleetInputException naming the first missing one and the closest existing name
     */
    public void checkColumns(String what, List<String> columns) {
        columns.forEach(c -> require(what, c));
    }

    /** Whether {@code column} holds whole numbers that fit a long, as a record id must to travel with the predictions. */
    public boolean isWholeNumber(String column) {
        require("column", column);
        return DuckDb.fitsLong(types.get(column));
    }

    /** The distinct non-empty values of {@code column}, as text, in order: e.g. the device ids listed in a file. */
    public List<String> distinctValues(String column) {
        require("column", column);
        String c = DuckDb.ident(column);
        List<String> values = new ArrayList<>();
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT DISTINCT CAST(" + c + " AS VARCHAR) AS v FROM fleet "
                + "WHERE " + c + " IS NOT NULL AND CAST(" + c + " AS VARCHAR) <> '' ORDER BY v")) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
            return values;
        } catch (SQLException | RuntimeException e) {
            throw failure(e, null, "");
        }
    }

    /**
     * Writes the predictions in {@code predictions} (a Parquet file of {@code record_id} holding this source's row
     * numbers, then {@code device_id, prediction, model}, in output order) to {@code out}, with {@code record_id}
     * taken from {@code idColumn} (or kept as the row number when null) and the {@code keep} columns of each
     * prediction's own row after them, in their own types. The file appears only when complete.
     */
    public void writeJoined(Path predictions, String idColumn, List<String> keep, Path out) {
        checkColumns("kept column", keep);
        for (String k : keep) {
            if (List.of("record_id", "device_id", "prediction", "model").contains(k)) {
                throw new FleetInputException("kept column '" + k + "' has the name of a prediction column; rename it in the data first");
            }
        }
        String tmp = out.resolveSibling("." + out.getFileName() + "." + java.util.UUID.randomUUID() + ".tmp").toString();
        StringBuilder select = new StringBuilder(idColumn == null ? "p.record_id" : "f." + DuckDb.ident(idColumn) + " AS record_id");
        select.append(", p.device_id, p.prediction, p.model");
        keep.forEach(k -> select.append(", f.").append(DuckDb.ident(k)));
        List<String> columns = new ArrayList<>(keep);
        if (idColumn != null && !columns.contains(idColumn)) {
            columns.add(idColumn);
        }
        String rows = "(SELECT row_number() OVER () - 1 AS fleetml_row" + columns.stream().map(c -> ", " + DuckDb.ident(c)).collect(Collectors.joining())
                + " FROM fleet)";
        try (Statement st = db.createStatement()) {
            st.execute("COPY (SELECT " + select + " FROM read_parquet(" + DuckDb.literal(predictions.toString()) + ", file_row_number = true) p "
                    + "JOIN " + rows + " f ON p.record_id = f.fleetml_row ORDER BY p.file_row_number) TO " + DuckDb.literal(tmp) + " "
                    + TableFile.copyOptions(out));
            java.nio.file.Files.move(Path.of(tmp), out, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (SQLException | IOException | RuntimeException e) {
            try {
                java.nio.file.Files.deleteIfExists(Path.of(tmp));
            } catch (IOException ignored) {
                // a hidden file beside the output
            }
            throw e instanceof FleetInputException f ? f : new FleetInputException("cannot write " + out + ": " + e.getMessage(), e);
        }
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
            String devices = selectedDevices(st, q.devices());
            try (ResultSet rs = st.executeQuery("SELECT (SELECT coalesce(sum(fleetml_rows), 0) FROM " + devices + " WHERE fleetml_device IS NOT NULL), "
                    + "(SELECT count(fleetml_device) FROM " + devices + "), "
                    + "(SELECT coalesce(sum(fleetml_rows), 0) FROM fleet_devices WHERE fleetml_device IS NULL)")) {
                rs.next();
                return new FleetShape(rs.getLong(1), rs.getLong(2), rs.getLong(3));
            }
        } catch (SQLException | RuntimeException e) {
            throw failure(e, q, "");
        }
    }

    /** {@code e}, thrown by DuckDB while reading for {@code q}, as the one line the user sees. */
    private RuntimeException failure(Exception e, FrameQuery q, String where) {
        if (e instanceof FleetInputException f) {
            return f;
        }
        if (e instanceof RuntimeException r && !DuckDb.fromDriver(r)) {
            return r;
        }
        return input.failure(e, q == null ? null : q.columns(), where);
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
        // An empty text id is a missing id, as CSV reads it: in Parquet it is '', not NULL. Its rows then
        // join no device in frames() (NULL equals nothing) and count as rows without a device.
        String id = "VARCHAR".equals(types.get(deviceColumn)) ? "nullif(" + dev + ", '')" : dev;
        selectedFilter = null;
        st.execute("CREATE OR REPLACE TEMP TABLE fleet_devices AS SELECT fleetml_device, fleetml_rows, "
                + "CAST(row_number() OVER (ORDER BY fleetml_device NULLS LAST) - 1 AS INTEGER) AS fleetml_ordinal "
                + "FROM (SELECT " + id + " AS fleetml_device, count(*) AS fleetml_rows FROM " + relation + " GROUP BY 1)");
        indexedDeviceColumn = deviceColumn;
    }

    /**
     * The devices {@code filter} selects, numbered again from 0 in device order: all of them when it selects all,
     * else a table made from the ids (matched as text, as fleetml keeps them) once per filter.
     */
    private String selectedDevices(Statement st, DeviceFilter filter) throws SQLException {
        if (filter.mode() == DeviceFilter.Mode.ALL) {
            return "fleet_devices";
        }
        if (!filter.equals(selectedFilter)) {
            st.execute("CREATE OR REPLACE TABLE fleetml_filter (id VARCHAR)");
            try (org.duckdb.DuckDBAppender appender = db.unwrap(org.duckdb.DuckDBConnection.class).createAppender("main", "fleetml_filter")) {
                for (String id : filter.ids()) {
                    appender.beginRow().append(id).endRow();
                }
            }
            st.execute("CREATE OR REPLACE TEMP TABLE fleet_selected AS SELECT fleetml_device, fleetml_rows, "
                    + "CAST(row_number() OVER (ORDER BY fleetml_ordinal) - 1 AS INTEGER) AS fleetml_ordinal FROM fleet_devices "
                    + "WHERE fleetml_device IS NOT NULL AND CAST(fleetml_device AS VARCHAR) " + (filter.mode() == DeviceFilter.Mode.EXCEPT ? "NOT " : "")
                    + "IN (SELECT id FROM fleetml_filter)");
            selectedFilter = filter;
        }
        return "fleet_selected";
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
            String selected = selectedDevices(st, q.devices());
            String rows = q.idColumn() != null ? relation : "(SELECT *, row_number() OVER () - 1 AS fleetml_row FROM " + relation + ")";
            String sql = "SELECT " + String.join(", ", select) + " FROM " + rows + " f JOIN " + selected + " d ON f." + dev + " = d.fleetml_device"
                    + " ORDER BY " + String.join(", ", order);
            long expected = 0;
            try (ResultSet rs = st.executeQuery("SELECT CAST(fleetml_device AS VARCHAR), fleetml_rows FROM " + selected + " "
                    + "WHERE fleetml_device IS NOT NULL ORDER BY fleetml_ordinal")) {
                while (rs.next()) {
                    devices.add(rs.getString(1));
                    expected += rs.getLong(2);
                }
            }
            return new ResultFrames(db.prepareStatement(sql), q, devices, expected);
        } catch (SQLException | RuntimeException e) {
            throw failure(e, q, "");
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
     * What was opened and how DuckDB reads it: enough to find and name the file behind a DuckDB error.
     *
     * @param heads the CSV files' headers, in the order of {@code files}; empty for Parquet
     */
    private record Input(String description, List<String> files, boolean csv, List<CsvHead> heads) {

        /**
         * {@code read_csv}'s options for {@code file}, or (null) for all files: the delimiter they share,
         * and no lines to skip when each file's header is its first line. Told these, DuckDB's sniffer is
         * not led astray by a ragged row but fails, and {@link #csvProblem} says where. Left to itself, it
         * took a header of five names for one name with four commas in it, and in a file of three lines
         * whose last had a field too many it took that line for the header and the two before it for
         * lines to skip: no rows, and no error.
         */
        String csvOptions(String file) {
            List<CsvHead> those = heads.stream().filter(h -> file == null || h.file().equals(file)).toList();
            Set<Character> delimiters = those.stream().map(CsvHead::delimiter).collect(Collectors.toSet());
            char delimiter = delimiters.size() == 1 ? delimiters.iterator().next() : 0;
            boolean headerFirst = !those.isEmpty() && those.stream().allMatch(h -> h.columns() != null);
            return "nullstr = ['NA', 'NaN', 'nan', ''], header = true"
                    + (delimiter != 0 ? ", delim = " + DuckDb.literal(String.valueOf(delimiter)) : "")
                    + (headerFirst ? ", skip = 0" : "");
        }

        /**
         * {@code e}, thrown by DuckDB while reading {@code columns} (null: any), as one line that names the
         * file to fix: the one DuckDB names, else the one a read of each file alone fails on. That second
         * read only happens on this path, after a failure.
         */
        FleetInputException failure(Exception e, List<String> columns, String where) {
            String message = String.valueOf(e.getMessage());
            FleetInputException general = new FleetInputException("cannot read " + description + where + ": " + DuckDb.reason(e), e);
            if (message.contains("Out of Memory") || message.contains("Interrupt")) {
                return general;
            }
            String named = namedFile(message);
            if (csv) {
                for (String f : named != null ? List.of(named) : files) {
                    String problem = csvProblem(f);
                    if (problem != null) {
                        return new FleetInputException("cannot read " + f + ": " + problem + "; fix or remove the file", e);
                    }
                }
                if (named != null) {
                    return new FleetInputException("cannot read " + named + ": " + fromMessage(message, DuckDb.reason(e), named)
                            + "; fix or remove the file", e);
                }
                return general;
            }
            if (message.contains("Conversion Error")) {
                return general; // a value of a valid file, e.g. an id too large for a long
            }
            String file = named != null ? named : firstUnreadableParquet(columns);
            return file != null ? parquetFailure(file, e) : general;
        }

        FleetInputException parquetFailure(String file, Exception e) {
            return new FleetInputException("cannot read " + file + ": it is damaged or not Parquet (" + withoutFile(DuckDb.reason(e), file)
                    + "); write or copy it again, or remove it", e);
        }

        /** The longest of the files that {@code message} mentions, or null; not in the query it may quote. */
        private String namedFile(String message) {
            int query = message.indexOf("\nLINE ");
            message = query >= 0 ? message.substring(0, query) : message;
            String named = null;
            for (String f : files) {
                if (message.contains(f) && (named == null || f.length() > named.length())) {
                    named = f;
                }
            }
            return named;
        }

        /** What is wrong in CSV {@code file}, read alone listing the lines DuckDB rejects; null when nothing is. */
        private String csvProblem(String file) {
            try (Connection c = DuckDb.open(); Statement st = c.createStatement()) {
                try (ResultSet rs = st.executeQuery("SELECT count(COLUMNS(*)) FROM read_csv(" + DuckDb.literal(file) + ", "
                        + csvOptions(file) + ", store_rejects = true)")) {
                    while (rs.next()) {
                        // a streamed result writes reject_errors when it is read to its end
                    }
                }
                try (ResultSet rs = st.executeQuery("SELECT line, error_message FROM reject_errors ORDER BY line LIMIT 1")) {
                    if (!rs.next()) {
                        return null;
                    }
                    Matcher counts = FIELD_COUNTS.matcher(rs.getString(2));
                    return "line " + rs.getLong(1) + (counts.find()
                            ? " has " + counts.group(2) + " fields where the header has " + counts.group(1)
                            : ": " + firstLine(rs.getString(2)));
                }
            } catch (SQLException e) {
                return withoutFile(DuckDb.reason(e), file);
            }
        }

        /** The line and field counts of DuckDB's "CSV Error on Line" message, else its reason. */
        private static String fromMessage(String message, String reason, String file) {
            Matcher line = CSV_LINE.matcher(message);
            Matcher counts = FIELD_COUNTS.matcher(message);
            if (line.find() && counts.find()) {
                return "line " + line.group(1) + " has " + counts.group(2) + " fields where the header has " + counts.group(1);
            }
            return withoutFile(reason, file);
        }

        /** The first file (of several) that does not read alone, or null; reads {@code columns} (null: all). */
        private String firstUnreadableParquet(List<String> columns) {
            String hashed = columns == null ? "COLUMNS(*)" : columns.stream().map(DuckDb::ident).collect(Collectors.joining(", "));
            try (Connection c = DuckDb.open(); Statement st = c.createStatement()) {
                for (String f : files) {
                    // hash() reads every value: a count alone is answered from the footer
                    try (ResultSet rs = st.executeQuery("SELECT max(hash(" + hashed + ")) FROM read_parquet(" + DuckDb.literal(f) + ")")) {
                        while (rs.next()) {
                            // to the end, where a streamed result reports its error
                        }
                    } catch (SQLException e) {
                        return f;
                    }
                }
            } catch (SQLException e) {
                return null;
            }
            return null;
        }

        /** {@code reason} without the quoted {@code file}, which the message names already. */
        private static String withoutFile(String reason, String file) {
            String quoted = "[\"']" + Pattern.quote(file) + "[\"']";
            return reason.replaceAll("(?i)failed to read file " + quoted + ":\\s*", "").replaceAll("\\s*" + quoted, "").strip();
        }

        private static String firstLine(String text) {
            int nl = text.indexOf('\n');
            return (nl >= 0 ? text.substring(0, nl) : text).strip();
        }
    }

    /**
     * A CSV file's header as Java reads it from the file's first lines: its delimiter, to tell DuckDB (whose
     * sniffer a ragged row leads astray: it took a header of five names for one name with four commas in it),
     * and its columns, to compare files by.
     *
     * <p>Reading a gzip file's header, it reads the whole file: DuckDB reads a gzip file that was cut short
     * to where it ends without a word (half a file is half the rows, and the last value may be cut), while
     * Java's {@link GZIPInputStream} notices the missing end and checks the CRC. That costs 0.07 s for the
     * 12 Beijing files (49 MB of CSV, read in parallel on 2 cores) against about 2 s to open and read them.
     *
     * @param delimiter the delimiter most of the first lines agree on, or 0 to let DuckDB's sniffer choose
     * @param columns   the header's names, or null when its first line is not like the lines after it (a
     *                  preamble DuckDB skips, a line of data ending in a delimiter): not compared then
     */
    private record CsvHead(String file, char delimiter, List<String> columns) {
        private static final int SAMPLE_LINES = 32;

        /** The heads of {@code files}, or the error of the first file (in their order) that cannot be read. */
        static List<CsvHead> readAll(List<String> files) {
            List<Object> read = files.parallelStream().map(f -> {
                try {
                    return (Object) read(f);
                } catch (FleetInputException e) {
                    return e;
                }
            }).toList();
            List<CsvHead> heads = new ArrayList<>();
            for (Object o : read) {
                if (o instanceof FleetInputException e) {
                    throw e;
                }
                heads.add((CsvHead) o);
            }
            return heads;
        }

        static CsvHead read(String file) {
            String name = file.toLowerCase(Locale.ROOT);
            boolean gz = name.endsWith(".gz");
            try (InputStream raw = Files.newInputStream(Path.of(file));
                 InputStream in = new BufferedInputStream(gz ? new GZIPInputStream(raw, 1 << 16) : raw, gz ? 1 << 16 : 1 << 13)) {
                List<String> lines = firstLines(in);
                if (gz) {
                    byte[] rest = new byte[1 << 16];
                    while (in.read(rest) >= 0) {
                        // to the end: a stream cut short throws EOFException, a damaged one ZipException
                    }
                }
                return of(file, lines, name.endsWith(".tsv") || name.endsWith(".tsv.gz") ? '\t' : delimiterOf(lines));
            } catch (EOFException e) {
                throw new FleetInputException("cannot read " + file + ": it is cut short (its gzip data ends early); "
                        + "copy or download it again, or remove it", e);
            } catch (ZipException e) {
                throw new FleetInputException("cannot read " + file + ": it is damaged (not valid gzip data: " + e.getMessage()
                        + "); copy or download it again, or remove it", e);
            } catch (IOException e) {
                throw new FleetInputException("cannot read " + file + ": " + e.getMessage(), e);
            }
        }

        static CsvHead of(String file, List<String> lines, char delimiter) {
            if (lines.isEmpty()) {
                return new CsvHead(file, delimiter, null);
            }
            String header = lines.get(0);
            if (delimiter == 0) {
                boolean single = lines.stream().allMatch(l -> DELIMITERS.chars().allMatch(d -> fields(l, (char) d) == 1));
                return new CsvHead(file, delimiter, single ? List.of(header.strip()) : null);
            }
            return new CsvHead(file, delimiter, fields(header, delimiter) == width(lines, delimiter)[0] ? split(header, delimiter) : null);
        }

        /** Up to the first 32 non-blank lines (line ends in double quotes are not line ends), without a byte order mark. */
        static List<String> firstLines(InputStream in) throws IOException {
            List<String> lines = new ArrayList<>();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            boolean quoted = false;
            int read = 0;
            int b;
            while (lines.size() < SAMPLE_LINES && read++ < MAX_HEADER_BYTES && (b = in.read()) >= 0) {
                quoted ^= b == '"';
                if (b == '\n' && !quoted) {
                    addLine(lines, line);
                } else {
                    line.write(b);
                }
            }
            if (read <= MAX_HEADER_BYTES || lines.isEmpty()) {
                addLine(lines, line); // the last line, without a line end (not one cut by the limit)
            }
            return lines;
        }

        private static void addLine(List<String> lines, ByteArrayOutputStream bytes) {
            String line = bytes.toString(StandardCharsets.UTF_8);
            bytes.reset();
            line = lines.isEmpty() && line.startsWith("\uFEFF") ? line.substring(1) : line;
            line = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            if (!line.isBlank()) {
                lines.add(line);
            }
        }

        /**
         * The delimiter that splits most lines into the same number (at least 2) of fields, more fields
         * winning a tie; 0 (DuckDB's sniffer chooses) when two delimiters do equally well or none splits.
         */
        static char delimiterOf(List<String> lines) {
            char best = 0;
            int[] bestWidth = {0, 0};
            boolean tie = false;
            for (char d : DELIMITERS.toCharArray()) {
                int[] w = width(lines, d);
                if (w[0] < 2) {
                    continue;
                }
                int cmp = w[1] != bestWidth[1] ? Integer.compare(w[1], bestWidth[1]) : Integer.compare(w[0], bestWidth[0]);
                if (cmp > 0) {
                    best = d;
                    bestWidth = w;
                    tie = false;
                } else if (cmp == 0) {
                    tie = true;
                }
            }
            return tie ? 0 : best;
        }

        /** The most common number of fields, and on how many lines ({@code {fields, lines}}). */
        private static int[] width(List<String> lines, char delimiter) {
            Map<Integer, Integer> counts = new LinkedHashMap<>();
            lines.forEach(l -> counts.merge(fields(l, delimiter), 1, Integer::sum));
            int[] best = {0, 0};
            counts.forEach((fields, n) -> {
                if (n > best[1] || n == best[1] && fields > best[0]) {
                    best[0] = fields;
                    best[1] = n;
                }
            });
            return best;
        }

        /** The fields of {@code line}: one more than the delimiters outside double quotes. */
        private static int fields(String line, char delimiter) {
            int n = 1;
            boolean quoted = false;
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                quoted ^= c == '"';
                if (c == delimiter && !quoted) {
                    n++;
                }
            }
            return n;
        }

        /** The names, unquoted and trimmed; an empty one is named as DuckDB names it ({@code column3}). */
        static List<String> split(String header, char delimiter) {
            List<String> names = new ArrayList<>();
            StringBuilder name = new StringBuilder();
            boolean quoted = false;
            for (int i = 0; i <= header.length(); i++) {
                char c = i < header.length() ? header.charAt(i) : delimiter;
                if (c == '"' && i < header.length()) {
                    if (quoted && i + 1 < header.length() && header.charAt(i + 1) == '"') {
                        name.append('"');
                        i++;
                    } else {
                        quoted = !quoted;
                    }
                } else if (c == delimiter && !quoted || i == header.length()) {
                    String n = name.toString().strip();
                    names.add(n.isEmpty() ? "column" + names.size() : n);
                    name.setLength(0);
                } else {
                    name.append(c);
                }
            }
            return names;
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
        private final long expectedRows;
        private long readRows;
        private DuckDBReadableVector ordinals;
        private final DuckDBReadableVector[] values; // the features, then the label
        private DuckDBReadableVector ids;
        private int row; // in the current chunk
        private int rows; // of the current chunk; 0 once the result is read

        ResultFrames(PreparedStatement statement, FrameQuery query, List<String> devices, long expectedRows) throws SQLException {
            this.statement = statement;
            this.query = query;
            this.devices = devices;
            this.expectedRows = expectedRows;
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

        /**
         * Moves to the next non-empty chunk, or sets {@code rows} to 0 at the end; a result that ends early
         * (DuckDB ends it quietly on an error) throws.
         */
        private void nextChunk() throws SQLException {
            row = 0;
            rows = 0;
            boolean more = true;
            while (rows == 0 && (more = result.nextChunk())) {
                DuckDBDataChunkReader chunk = result.chunk();
                rows = (int) chunk.rowCount();
                readRows += rows;
                ordinals = chunk.vector(0);
                for (int c = 0; c < values.length; c++) {
                    values[c] = chunk.vector(1 + c);
                }
                ids = chunk.vector(1 + values.length);
            }
            if (!more) {
                DuckDb.checkEnded(result);
                if (readRows != expectedRows) {
                    throw new SQLException("the read ended after " + readRows + " of " + expectedRows + " rows");
                }
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
            } catch (SQLException | RuntimeException e) {
                throw failure(e, query, " at device " + name);
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
