package io.fleetml.data;

import org.duckdb.DuckDBChunkedResult;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Pattern;

/** Opens in-process DuckDB connections and spells SQL the way DuckDB wants it. */
final class DuckDb {
    private DuckDb() {
    }

    /** An in-memory database that streams results and spills large sorts to {@code java.io.tmpdir}. */
    static Connection open() {
        try {
            Properties props = new Properties();
            props.setProperty("jdbc_stream_results", "true");
            Connection c = DriverManager.getConnection("jdbc:duckdb:", props);
            try (var st = c.createStatement()) {
                st.execute("SET temp_directory = " + literal(Path.of(System.getProperty("java.io.tmpdir"), "fleetml-duckdb").toString()));
                st.execute("SET preserve_insertion_order = true");
            }
            return c;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot start the embedded DuckDB: " + e.getMessage(), e);
        }
    }

    static String ident(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    static String literal(String text) {
        return '\'' + text.replace("'", "''") + '\'';
    }

    /** Lines of a DuckDB error that only say that an error happened, not which. */
    private static final Pattern NOISE = Pattern.compile("unsuccessful or closed pending query result|^Invalid result set$|^LINE \\d+:");
    /** "Error: ", "Query failed: " and DuckDB's error types ("Invalid Input Error: ", "IO Error: ") before the message. */
    private static final Pattern PREAMBLE = Pattern.compile("^(?:Error: |Query failed: |(?:[A-Za-z]+ ){0,3}Error: )+");
    private static final Method CHECK_ERROR = checkErrorMethod();

    /**
     * The first line of a DuckDB error that says what went wrong, without the "Invalid Input Error:"-style
     * preamble and without the JDBC driver's "Attempting to execute an unsuccessful or closed pending query
     * result" that comes before the real message when a query fails as it starts.
     */
    static String reason(Throwable e) {
        String m = String.valueOf(e.getMessage()).strip();
        for (String line : m.split("\\R")) {
            // some messages carry a raw byte (DuckDB's "don't know what type: \u000e" for a damaged Parquet footer)
            String l = PREAMBLE.matcher(line.replaceAll("\\p{Cntrl}", "").strip()).replaceFirst("").strip();
            if (!l.isEmpty() && !NOISE.matcher(l).find()) {
                return l.endsWith(":") ? l.substring(0, l.length() - 1).strip() : l;
            }
        }
        int nl = m.indexOf('\n');
        return PREAMBLE.matcher(nl > 0 ? m.substring(0, nl).strip() : m).replaceFirst("");
    }

    /**
     * Throws the error that ended {@code result}, if one did. DuckDB's C API answers "no more chunks" both
     * at the end and on an error ({@code duckdb_fetch_chunk} returns NULL), so a read that failed half way
     * would otherwise look complete; the JDBC driver keeps the check that tells them apart package-private.
     */
    static void checkEnded(DuckDBChunkedResult result) throws SQLException {
        if (CHECK_ERROR == null) {
            return;
        }
        try {
            CHECK_ERROR.invoke(result);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof SQLException s) {
                throw s;
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new SQLException(e.getCause());
        } catch (IllegalAccessException e) {
            // cannot ask: the caller's row count still catches a short read
        }
    }

    private static Method checkErrorMethod() {
        try {
            Method m = DuckDBChunkedResult.class.getDeclaredMethod("checkError");
            m.setAccessible(true);
            return m;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // another driver version, or a module that does not open it: rows are still counted
        }
    }

    /** Whether {@code e} came from the DuckDB driver (its RuntimeExceptions, e.g. "Result was closed"). */
    static boolean fromDriver(RuntimeException e) {
        StackTraceElement[] at = e.getStackTrace();
        return e.getClass().getName().startsWith("org.duckdb.") || at.length > 0 && at[0].getClassName().startsWith("org.duckdb.");
    }

    /** Whether every value of the type is a whole number that fits a Java long (not UBIGINT, HUGEINT). */
    static boolean fitsLong(String duckType) {
        return duckType.toUpperCase(Locale.ROOT).matches("U?(TINYINT|SMALLINT|INTEGER)|BIGINT");
    }

    static boolean isNumeric(String duckType) {
        String t = duckType.toUpperCase(Locale.ROOT);
        return t.matches("(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|FLOAT|DOUBLE|REAL|DECIMAL.*|BOOLEAN)");
    }
}
