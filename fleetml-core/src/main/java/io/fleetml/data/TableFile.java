package io.fleetml.data;

import org.duckdb.DuckDBColumnType;
import org.duckdb.DuckDBDataChunkWriter;
import org.duckdb.DuckDBFunctions;
import org.duckdb.DuckDBTableFunction;
import org.duckdb.DuckDBTableFunctionBindInfo;
import org.duckdb.DuckDBTableFunctionCallInfo;
import org.duckdb.DuckDBTableFunctionInitInfo;
import org.duckdb.DuckDBWritableVector;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Writes a table to {@code .csv}, {@code .csv.gz} or {@code .parquet} (by the file's extension) through
 * DuckDB, while the rows are still being produced: a background thread runs DuckDB's {@code COPY} over a
 * table function that takes the rows from a bounded queue. Writing thus overlaps the work that produces
 * the rows, and memory holds at most about a million rows however large the table. {@link #commit()}
 * waits for the file and moves it into place, so a reader never sees a half-written result; closing a table
 * that was not committed (the work producing it failed) removes the temporary file and leaves whatever was at
 * the target before untouched.
 *
 * <p>A {@linkplain Column#repeated repeated} column takes an array per call, and each element becomes a
 * row: one call writes a device's 100 predictions, with its device id once (appending 10 million
 * predictions a row at a time cost more than computing them).
 *
 * <p>{@link #row} may be called from any one thread at a time.
 */
public final class TableFile implements AutoCloseable {
    private static final int MAX_QUEUED_ROWS = 1 << 20;
    private static final int HANDOFF_ROWS = 8_192;
    private static final List<Object[]> END = List.of();

    /** What a column holds. */
    public enum Type {
        TEXT(DuckDBColumnType.VARCHAR), INTEGER(DuckDBColumnType.BIGINT), REAL(DuckDBColumnType.DOUBLE);

        private final DuckDBColumnType duckDb;

        Type(DuckDBColumnType duckDb) {
            this.duckDb = duckDb;
        }
    }

    /**
     * A column of the written table.
     *
     * @param repeated given as an array ({@code long[]} or {@code double[]}) whose elements become rows;
     *                 the repeated columns of one call have arrays of one length, the others repeat
     * @param values   for a text column whose values are known before the first row, those values (null
     *                 always allowed); else empty. Such a column travels to DuckDB as a number that the
     *                 {@code COPY} turns back into text (an ENUM, written as Parquet's dictionary-encoded
     *                 text): copying a 30-byte model name into each of 10 million rows, and hashing it
     *                 again in the Parquet writer, cost more than computing their predictions.
     */
    public record Column(String name, Type type, boolean repeated, List<String> values) {
        public Column {
            values = List.copyOf(values);
            if (!values.isEmpty() && (type != Type.TEXT || repeated)) {
                throw new IllegalArgumentException("only a single text column takes a set of values: " + name);
            }
        }

        public static Column text(String name) {
            return new Column(name, Type.TEXT, false, List.of());
        }

        /** A text column holding one of {@code values}, or null. */
        public static Column oneOf(String name, List<String> values) {
            if (values.isEmpty() || values.size() != Set.copyOf(values).size()) {
                throw new IllegalArgumentException("column " + name + " needs distinct values, not " + values);
            }
            return new Column(name, Type.TEXT, false, values);
        }

        public static Column integer(String name) {
            return new Column(name, Type.INTEGER, false, List.of());
        }

        public static Column real(String name) {
            return new Column(name, Type.REAL, false, List.of());
        }

        public static Column integers(String name) {
            return new Column(name, Type.INTEGER, true, List.of());
        }

        public static Column reals(String name) {
            return new Column(name, Type.REAL, true, List.of());
        }

        boolean coded() {
            return !values.isEmpty();
        }

        /** What Java hands DuckDB for this column: a coded column's index in {@code values}, as an integer. */
        Type sent() {
            return coded() ? Type.INTEGER : type;
        }

        /** How the {@code COPY} selects this column from the rows the table function gives it. */
        String select() {
            String column = DuckDb.ident(name);
            if (!coded()) {
                return column;
            }
            // As an ENUM, which the Parquet writer takes as its dictionary; plain text it hashes row by row.
            String type = values.stream().map(DuckDb::literal).collect(Collectors.joining(", ", "ENUM(", ")"));
            StringBuilder expand = new StringBuilder("CASE ").append(column);
            for (int code = 0; code < values.size(); code++) {
                expand.append(" WHEN ").append(code).append(" THEN CAST(").append(DuckDb.literal(values.get(code))).append(" AS ").append(type).append(')');
            }
            return expand.append(" END AS ").append(column).toString();
        }
    }

    private final Path target;
    private final Path tmp;
    private final List<Column> columns;
    private final int repeatedColumn; // the index of a repeated column, or -1
    private final Connection db;
    private final String copy;
    private final Thread writer;
    private final BlockingQueue<List<Object[]>> queue = new ArrayBlockingQueue<>(MAX_QUEUED_ROWS / HANDOFF_ROWS);
    private final Semaphore queuedRows = new Semaphore(MAX_QUEUED_ROWS);
    private volatile Exception failure;
    private boolean finished;
    private List<Object[]> pending = new ArrayList<>();
    private int pendingRows;

    private TableFile(Path target, List<Column> columns, String copyOptions, Connection db) {
        this.target = target;
        this.tmp = target.resolveSibling("." + target.getFileName() + "." + java.util.UUID.randomUUID() + ".tmp");
        this.columns = List.copyOf(columns);
        this.copy = "COPY (SELECT " + columns.stream().map(Column::select).collect(Collectors.joining(", "))
                + " FROM fleetml_rows()) TO " + DuckDb.literal(tmp.toString()) + " " + copyOptions;
        int repeated = -1;
        for (int c = 0; c < columns.size(); c++) {
            if (columns.get(c).repeated()) {
                repeated = c;
            }
        }
        this.repeatedColumn = repeated;
        this.db = db;
        this.writer = new Thread(this::write, "fleetml-write " + target.getFileName());
        this.writer.setDaemon(true);
    }

    /** Starts writing a table to {@code target}; {@link #commit()} puts it in place. */
    public static TableFile create(Path target, List<Column> columns) {
        String copyOptions = copyOptions(target);
        Connection db = DuckDb.open();
        TableFile table = new TableFile(target, columns, copyOptions, db);
        try {
            Path parent = target.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (Statement st = db.createStatement()) {
                // The COPY is one ordered pipeline fed by one thread. With DuckDB's worker threads, a worker
                // could take it and leave this connection's thread spinning on the pending result: a whole
                // core lost to polling in some runs (profiled: 5,700 of 6,100 samples of the writing thread).
                st.execute("SET threads = 1");
            }
            DuckDBFunctions.tableFunction().withName("fleetml_rows").withFunction(table.new Rows()).register(db);
        } catch (SQLException | IOException e) {
            closeQuietly(db);
            throw new FleetInputException("cannot write " + target + ": " + e.getMessage(), e);
        }
        table.writer.start();
        return table;
    }

    /** Fails, before any work is done, when {@code file}'s extension is not one this class writes. */
    public static void requireWritable(Path file) {
        copyOptions(file);
    }

    /** DuckDB's COPY options for {@code target}'s format, by its extension. */
    static String copyOptions(Path target) {
        String f = target.getFileName().toString().toLowerCase(Locale.ROOT);
        if (f.endsWith(".parquet")) {
            return "(FORMAT parquet, COMPRESSION zstd)";
        }
        if (f.endsWith(".csv.gz")) {
            return "(FORMAT csv, HEADER, COMPRESSION gzip)";
        }
        if (f.endsWith(".csv")) {
            return "(FORMAT csv, HEADER)";
        }
        throw new FleetInputException("cannot write " + target + ": name it .csv, .csv.gz or .parquet");
    }

    /**
     * Adds one row, or for repeated columns one row per array element. Values, in column order: String,
     * a Number, null, or for a repeated column {@code long[]} or {@code double[]}. NaN and null are written
     * as missing (an empty CSV cell, a Parquet null).
     */
    public void row(Object... values) {
        if (values.length != columns.size()) {
            throw new IllegalArgumentException("a row of " + target + " has " + columns.size() + " values, not " + values.length);
        }
        int rows = 1;
        if (repeatedColumn >= 0) {
            rows = length(values[repeatedColumn]);
            for (int c = 0; c < values.length; c++) {
                if (columns.get(c).repeated() && length(values[c]) != rows) {
                    throw new IllegalArgumentException("repeated columns of " + target + " differ in length: " + rows + " "
                            + columns.get(repeatedColumn).name() + ", " + length(values[c]) + " " + columns.get(c).name());
                }
            }
        }
        for (int c = 0; c < values.length; c++) {
            Column col = columns.get(c);
            if (col.coded() && values[c] != null && !col.values().contains(values[c])) {
                throw new IllegalArgumentException("column " + col.name() + " of " + target + " takes " + col.values() + " or null, not " + values[c]);
            }
        }
        pending.add(values);
        pendingRows += rows;
        if (pendingRows >= HANDOFF_ROWS) {
            handOff();
        }
    }

    private static int length(Object array) {
        if (array instanceof long[] a) {
            return a.length;
        }
        if (array instanceof double[] a) {
            return a.length;
        }
        throw new IllegalArgumentException("a repeated column takes long[] or double[], not " + (array == null ? "null" : array.getClass().getSimpleName()));
    }

    /** Queues the pending rows for the writer, waiting while a million rows are queued already. */
    private void handOff() {
        if (pending.isEmpty()) {
            return;
        }
        int permits = Math.min(pendingRows, MAX_QUEUED_ROWS);
        try {
            while (!queuedRows.tryAcquire(permits, 100, TimeUnit.MILLISECONDS)) {
                checkWriter();
            }
            checkWriter();
            queue.put(pending);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing " + target, e);
        }
        pending = new ArrayList<>();
        pendingRows = 0;
    }

    private void checkWriter() {
        if (failure != null) {
            throw new FleetInputException("cannot write " + target + ": " + reason(failure), failure);
        }
    }

    private static String reason(Exception e) {
        return e instanceof SQLException s ? DuckDb.reason(s) : String.valueOf(e.getMessage());
    }

    /** The writer thread: DuckDB's COPY, reading {@link Rows} until {@link #END}. */
    private void write() {
        try (Statement st = db.createStatement()) {
            st.execute(copy);
        } catch (SQLException | RuntimeException e) {
            failure = e;
            queue.clear(); // unblocks a producer waiting for room
            queuedRows.release(MAX_QUEUED_ROWS);
        }
    }

    /** Waits for the file and moves it into place, replacing what was there. */
    public void commit() {
        if (finished) {
            throw new IllegalStateException(target + " is already finished");
        }
        finished = true;
        try (db) {
            handOff();
            queue.put(END);
            writer.join();
            checkWriter();
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            deleteTmp();
            throw new IllegalStateException("interrupted while writing " + target, e);
        } catch (SQLException | IOException e) {
            deleteTmp();
            throw new FleetInputException("cannot write " + target + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            deleteTmp();
            throw e;
        }
    }

    /** Abandons a table that was not committed: the temporary file goes, the target stays as it was. */
    @Override
    public void close() {
        if (finished) {
            return;
        }
        finished = true;
        try (db) {
            pending = new ArrayList<>();
            queue.clear();
            queuedRows.release(MAX_QUEUED_ROWS);
            queue.put(END); // ends the COPY, which leaves a temporary file to delete
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (SQLException ignored) {
            // closing an in-memory database loses nothing
        } finally {
            deleteTmp();
        }
    }

    private void deleteTmp() {
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
            // best effort: the temporary file is hidden and harmless
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // nothing was written yet
        }
    }

    /**
     * The table function COPY reads: fills DuckDB's chunks from the queued rows, in order, on one thread.
     * It blocks while the queue is empty, which is what lets the file be written while rows are produced.
     */
    private final class Rows implements DuckDBTableFunction<Object, Object, Object> {
        private List<Object[]> batch = List.of();
        private int item; // index in batch
        private int element; // row within the item, for repeated columns
        private boolean done;
        private byte[][][] text;
        private final String[] lastText = new String[columns.size()];
        private final byte[][] lastUtf8 = new byte[columns.size()][];

        @Override
        public Object bind(DuckDBTableFunctionBindInfo info) {
            for (Column c : columns) {
                info.addResultColumn(c.name(), c.sent().duckDb);
            }
            return null;
        }

        @Override
        public Object init(DuckDBTableFunctionInitInfo info) {
            info.setMaxThreads(1); // rows keep their order
            return null;
        }

        @Override
        public long apply(DuckDBTableFunctionCallInfo info, DuckDBDataChunkWriter out) throws InterruptedException {
            int capacity = (int) out.capacity();
            if (text == null) {
                text = new byte[columns.size()][capacity][];
            }
            int n = 0;
            while (n < capacity && !done) {
                if (item == batch.size()) {
                    queuedRows.release(Math.min(rowsOf(batch), MAX_QUEUED_ROWS));
                    batch = queue.take();
                    item = 0;
                    done = batch == END;
                    continue;
                }
                Object[] values = batch.get(item);
                int rows = repeatedColumn < 0 ? 1 : length(values[repeatedColumn]);
                int take = Math.min(capacity - n, rows - element);
                for (int c = 0; c < values.length; c++) {
                    write(c, out.vector(c), values[c], n, element, take);
                }
                n += take;
                element += take;
                if (element == rows) {
                    item++;
                    element = 0;
                }
            }
            for (int c = 0; c < columns.size(); c++) {
                if (columns.get(c).sent() == Type.TEXT && n > 0) {
                    out.vector(c).setStringUtf8Batch(0, n == capacity ? text[c] : Arrays.copyOf(text[c], n));
                }
            }
            return n;
        }

        private int rowsOf(List<Object[]> items) {
            if (repeatedColumn < 0) {
                return items.size();
            }
            int rows = 0;
            for (Object[] values : items) {
                rows += length(values[repeatedColumn]);
            }
            return rows;
        }

        /** Writes {@code count} rows of column {@code c} at {@code at}, from element {@code from} of a repeated value. */
        private void write(int c, DuckDBWritableVector v, Object value, int at, int from, int count) {
            Column col = columns.get(c);
            if (col.repeated()) {
                if (value instanceof long[] longs) {
                    for (int i = 0; i < count; i++) {
                        v.setLong(at + i, longs[from + i]);
                    }
                } else {
                    double[] doubles = (double[]) value;
                    for (int i = 0; i < count; i++) {
                        double d = doubles[from + i];
                        if (Double.isNaN(d)) {
                            v.setNull(at + i);
                        } else {
                            v.setDouble(at + i, d);
                        }
                    }
                }
                return;
            }
            if (col.coded() && value != null) {
                value = col.values().indexOf(value);
            }
            switch (col.sent()) {
                case TEXT -> Arrays.fill(text[c], at, at + count, utf8(c, value));
                case INTEGER -> {
                    for (int i = 0; i < count; i++) {
                        if (value == null) {
                            v.setNull(at + i);
                        } else {
                            v.setLong(at + i, ((Number) value).longValue());
                        }
                    }
                }
                case REAL -> {
                    double d = value == null ? Double.NaN : ((Number) value).doubleValue();
                    for (int i = 0; i < count; i++) {
                        if (Double.isNaN(d)) {
                            v.setNull(at + i);
                        } else {
                            v.setDouble(at + i, d);
                        }
                    }
                }
            }
        }

        /** UTF-8 of a text value, remembering the last one per column: a device's id repeats for its rows. */
        private byte[] utf8(int c, Object value) {
            if (value == null) {
                return null;
            }
            String s = value.toString();
            if (!s.equals(lastText[c])) {
                lastText[c] = s;
                lastUtf8[c] = s.getBytes(StandardCharsets.UTF_8);
            }
            return lastUtf8[c];
        }
    }
}
