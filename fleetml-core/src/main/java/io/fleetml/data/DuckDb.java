package io.fleetml.data;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Properties;

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

    /** The first line of a DuckDB error, without its "Binder Error:"-style preamble noise. */
    static String reason(SQLException e) {
        String m = String.valueOf(e.getMessage()).strip();
        int nl = m.indexOf('\n');
        return nl > 0 ? m.substring(0, nl).strip() : m;
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
