package io.fleetml.cli;

import io.fleetml.data.SyntheticFleet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** generate --profile reference|heterogeneous, as a user types it. */
class GenerateProfileTest {
    @TempDir
    Path dir;

    private static long count(Path file) throws Exception {
        try (var db = DriverManager.getConnection("jdbc:duckdb:"); var st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM '" + file + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long number(String digits) {
        return Long.parseLong(digits.replace(",", ""));
    }

    @Test
    void heterogeneousWritesTheTrainingAndTheLaterRowsAndSaysSo() throws Exception {
        Path fleet = dir.resolve("fleet.parquet");
        Path later = dir.resolve("later.parquet");
        Cli run = Cli.run("generate", "--profile", "heterogeneous", "--devices", "500", "--seed", "3", "--out", fleet.toString(), "--later", later.toString());
        assertEquals(0, run.code(), run.toString());
        assertTrue(run.err().isEmpty(), run.err());
        Matcher m = Pattern.compile("^wrote ([\\d,]+) rows \\(500 devices, ([\\d,]+)–([\\d,]+) rows each\\) to " + Pattern.quote(fleet.toString())
                + ", and ([\\d,]+) later rows \\(incl\\. 50 unseen devices\\) to " + Pattern.quote(later.toString()) + " in \\d+[.,]\\d\\d s$").matcher(run.out().strip());
        assertTrue(m.matches(), run.out());
        assertEquals(number(m.group(1)), count(fleet));
        assertEquals(number(m.group(4)), count(later));
        assertTrue(number(m.group(2)) >= 3 && number(m.group(3)) <= 5_000, run.out());

        Path alone = dir.resolve("alone.csv");
        Cli without = Cli.run("generate", "--profile", "HETEROGENEOUS", "--devices", "500", "--seed", "3", "--out", alone.toString());
        assertEquals(0, without.code(), without.toString());
        assertTrue(without.out().startsWith("wrote " + m.group(1) + " rows (500 devices, " + m.group(2) + "–" + m.group(3) + " rows each) to "
                + alone + " in "), "the same fleet, and no later file named: " + without.out());
        assertEquals(number(m.group(1)) + 1, Files.readAllLines(alone).size());
        assertEquals("record_id,device_id,hour,feature_1,feature_2,feature_3,label", Files.readAllLines(alone).get(0));
    }

    @Test
    void referenceStaysTheDefaultAndTheSame() throws Exception {
        Path cli = dir.resolve("cli.csv");
        Path explicit = dir.resolve("explicit.csv");
        Path lib = dir.resolve("lib.csv");
        Cli run = Cli.run("generate", "--devices", "3", "--rows-per-device", "50", "--seed", "9", "--out", cli.toString());
        assertEquals(0, run.code(), run.toString());
        assertTrue(run.out().startsWith("wrote 150 rows (3 devices × 50) to " + cli + " in "), run.out());
        assertEquals(0, Cli.run("generate", "--profile", "reference", "--devices", "3", "--rows-per-device", "50", "--seed", "9", "--out", explicit.toString()).code());
        SyntheticFleet.write(lib, 3, 50, 9);
        assertArrayEquals(Files.readAllBytes(lib), Files.readAllBytes(cli));
        assertArrayEquals(Files.readAllBytes(lib), Files.readAllBytes(explicit));
    }

    private void assertUsageError(Cli run, String... parts) {
        assertEquals(2, run.code(), run.toString());
        String err = run.err().strip();
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), "no stack trace: " + err);
        for (String p : parts) {
            assertTrue(err.contains(p), "'" + err + "' should contain '" + p + "'");
        }
        assertTrue(run.out().isEmpty(), run.out());
    }

    @Test
    void optionsOfTheOtherProfileAreUsageErrors() throws Exception {
        Path out = dir.resolve("fleet.parquet");
        Path later = dir.resolve("later.parquet");
        assertUsageError(Cli.run("generate", "--profile", "heterogeneous", "--rows-per-device", "100", "--out", out.toString()),
                "--rows-per-device", "heterogeneous");
        assertUsageError(Cli.run("generate", "--out", out.toString(), "--later", later.toString()), "--later", "heterogeneous");
        assertUsageError(Cli.run("generate", "--profile", "reference", "--devices", "2", "--rows-per-device", "5", "--out", out.toString(),
                "--later", later.toString()), "--later", "heterogeneous");
        assertUsageError(Cli.run("generate", "--profile", "hetero", "--out", out.toString()), "--profile", "heterogeneous");
        assertUsageError(Cli.run("generate", "--profile", "heterogeneous", "--out", out.toString(), "--later", out.toString()), "two files");
        assertUsageError(Cli.run("generate", "--profile", "heterogeneous", "--devices", "0", "--out", out.toString()), "devices");
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "nothing written");
        }
    }
}
