package io.fleetml.data;

import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Writes a table to {@code .csv}, {@code .csv.gz} or {@code .parquet} (by the file's extension) through
 * DuckDB. Rows go to a staging table; {@link #close()} writes a temporary file and moves it into place,
 * so a reader never sees a half-written result.
 */
public final class TableFile implements AutoCloseable {

    /** A column of the written table. */
    public record Column(String name, String sqlType) {
        public static Column text(String name) {
            return new Column(name, "VARCHAR");
        }

        public static Column integer(String name) {
            return new Column(name, "BIGINT");
        }

        public static Column real(String name) {
            return new Column(name, "DOUBLE");
        }
    }

    private final Path target;
    private final String copyOptions;
    private final Connection db;
    private final DuckDBAppender appender;
    private long rows;

    private TableFile(Path target, String copyOptions, Connection db, DuckDBAppender appender) {
        this.target = target;
        this.copyOptions = copyOptions;
        this.db = db;
        this.appender = appender;
    }

    /** Starts a table that {@link #close()} writes to {@code target}. */
    public static TableFile create(Path target, List<Column> columns) {
        String copyOptions = copyOptions(target);
        Connection db = DuckDb.open();
        try (Statement st = db.createStatement()) {
            st.execute("CREATE TABLE staged (" + columns.stream().map(c -> DuckDb.ident(c.name()) + " " + c.sqlType())
                    .collect(Collectors.joining(", ")) + ")");
            return new TableFile(target, copyOptions, db, ((DuckDBConnection) db).createAppender(DuckDBConnection.DEFAULT_SCHEMA, "staged"));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot stage table for " + target + ": " + DuckDb.reason(e), e);
        }
    }

    /** Fails, before any work is done, when {@code file}'s extension is not one this class writes. */
    public static void requireWritable(Path file) {
        copyOptions(file);
    }

    private static String copyOptions(Path target) {
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

    /** Appends one row; values are String, Long/Integer, Double (NaN is written as empty) or null. */
    public void row(Object... values) {
        try {
            appender.beginRow();
            for (Object v : values) {
                if (v == null || (v instanceof Double d && d.isNaN())) {
                    appender.appendNull();
                } else if (v instanceof String s) {
                    appender.append(s);
                } else if (v instanceof Double d) {
                    appender.append(d.doubleValue());
                } else if (v instanceof Number n) {
                    appender.append(n.longValue());
                } else {
                    appender.append(v.toString());
                }
            }
            appender.endRow();
            rows++;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot stage row for " + target + ": " + DuckDb.reason(e), e);
        }
    }

    /** Fast path for the prediction table's shape: one call, no boxing of the numbers. */
    public void row(long id, String device, double value, String label) {
        try {
            appender.beginRow().append(id).append(device);
            if (Double.isNaN(value)) {
                appender.appendNull();
            } else {
                appender.append(value);
            }
            if (label == null) {
                appender.appendNull();
            } else {
                appender.append(label);
            }
            appender.endRow();
            rows++;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot stage row for " + target + ": " + DuckDb.reason(e), e);
        }
    }

    public long rows() {
        return rows;
    }

    /** Writes the file and moves it into place. */
    @Override
    public void close() {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        try (db) {
            appender.close();
            Path parent = target.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (Statement st = db.createStatement()) {
                st.execute("COPY staged TO " + DuckDb.literal(tmp.toString()) + " " + copyOptions);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (SQLException | IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort: the temporary file is hidden and harmless
            }
            throw new FleetInputException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }
}
