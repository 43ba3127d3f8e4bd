package io.fleetml.data;

import io.fleetml.TestFleets;
import org.duckdb.DuckDBChunkedResult;
import org.duckdb.DuckDBPreparedStatement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
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
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Bad files get one line that names the file and what is wrong, wherever DuckDB notices (opening,
 * counting, reading the frames), and are never read as if they were fine.
 */
class BadDataTest {
    @TempDir
    Path dir;

    private static final FrameQuery SMALL = new FrameQuery("device", List.of("x1", "x2"), "y", "record_id", List.of());
    private static final FrameQuery SYNTHETIC = new FrameQuery("device_id", SyntheticFleet.FEATURES, "label", "record_id", List.of());

    /** Reads all of {@code location} as a training run does: open, shape, every frame. */
    private static void readAll(String location, FrameQuery q) {
        try (FleetSource s = DuckDbFleetSource.open(location)) {
            s.shape(q);
            try (var frames = s.frames(q)) {
                frames.forEachRemaining(f -> { });
            }
        }
    }

    /** Reads the frames without counting first: the CSV is then parsed in frames(). */
    private static void readFramesOnly(String location, FrameQuery q) {
        try (FleetSource s = DuckDbFleetSource.open(location); var frames = s.frames(q)) {
            frames.forEachRemaining(f -> { });
        }
    }

    private static String assertOneLine(Runnable read, String... parts) {
        FleetInputException e = assertThrows(FleetInputException.class, read::run);
        String m = e.getMessage();
        assertFalse(m.contains("\n") || m.contains("\r"), "one line: " + m);
        for (String p : parts) {
            assertTrue(m.contains(p), "'" + m + "' should contain '" + p + "'");
        }
        assertFalse(m.contains("Attempting to execute") || m.contains("LINE 1") || m.contains("Error:"), "no DuckDB internals: " + m);
        return m;
    }

    /** {@code lines} as CSV, with a header of device,record_id,x1,x2,y and {@code rows} good rows. */
    private Path smallCsv(String name, int rows, Consumer<List<String>> change) {
        List<String> lines = new ArrayList<>(List.of("device,record_id,x1,x2,y"));
        for (int i = 0; i < rows; i++) {
            lines.add("d" + i % 7 + "," + i + "," + i % 10 + "," + i % 3 + "," + i % 5);
        }
        change.accept(lines);
        return TestFleets.csv(dir.resolve(name), lines.toArray(String[]::new));
    }

    private static void cut(Path file, long length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(length);
        }
    }

    private static void overwrite(Path file, long at, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(at);
            f.write(bytes);
        }
    }

    // 1. truncated gzip, ragged CSV

    @Test
    void aGzipFileCutShortIsNamedNotReadToWhereItEnds() throws IOException {
        Path gz = dir.resolve("fleet.csv.gz");
        SyntheticFleet.write(gz, 20, 200, 1);
        cut(gz, Files.size(gz) / 2);
        assertOneLine(() -> readAll(gz.toString(), SYNTHETIC), "cannot read " + gz, "cut short", "copy or download it again");

        // Cut where the compressed data ends on a whole line: DuckDB read the first two rows of four and stopped
        // without a word (a cut inside a line may also just shorten its last value)
        Path quiet = dir.resolve("quiet.csv.gz");
        long flushed;
        try (OutputStream out = Files.newOutputStream(quiet); GZIPOutputStream zip = new GZIPOutputStream(out, true)) {
            zip.write("device,record_id,x1,x2,y\na,1,1,2,3\nb,2,1,2,3\n".getBytes(StandardCharsets.UTF_8));
            zip.flush();
            flushed = Files.size(quiet);
            zip.write("a,3,1,2,3\nb,4,1,2,3\n".getBytes(StandardCharsets.UTF_8));
        }
        cut(quiet, flushed);
        assertOneLine(() -> readAll(quiet.toString(), SMALL), "quiet.csv.gz", "cut short");
    }

    @Test
    void aGzipFileInADirectoryOfGoodOnesIsNamed() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        for (String name : List.of("a.csv.gz", "b.csv.gz", "c.csv.gz")) {
            SyntheticFleet.write(data.resolve(name), 5, 100, name.charAt(0));
        }
        Path b = data.resolve("b.csv.gz");
        cut(b, Files.size(b) - 8); // without its last 8 bytes (checksum and length) all rows are there: DuckDB read them
        assertOneLine(() -> readAll(data.toString(), SYNTHETIC), "cannot read " + b, "cut short");
    }

    @Test
    void aRowWithMoreFieldsThanTheHeaderIsNamedByLine() {
        // In the rows DuckDB sniffs: it took the header for one column named "device,record_id,x1,x2,y"
        Path csv = smallCsv("ragged.csv", 50, lines -> lines.set(2, lines.get(2) + ",9"));
        assertOneLine(() -> readAll(csv.toString(), SMALL), "cannot read " + csv, "line 3 has 6 fields where the header has 5",
                "fix or remove the file");
    }

    @Test
    void aRowWithFewerFieldsFoundOnlyWhenAllRowsAreReadIsNamedByLine() {
        // beyond the 20,480 rows DuckDB sniffs: found when shape() or frames() parse the whole file
        Path csv = smallCsv("late.csv", 25_000, lines -> lines.set(24_000, "d1,24000,1,2"));
        String m = assertOneLine(() -> readAll(csv.toString(), SMALL), "late.csv", "line 24001 has 4 fields where the header has 5");
        assertEquals(m, assertThrows(FleetInputException.class, () -> readFramesOnly(csv.toString(), SMALL)).getMessage());
    }

    @Test
    void aRaggedFileAmongGoodOnesIsNamed() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        TestFleets.linear(data.resolve("a.csv"), 2, 20, 0, 1);
        TestFleets.linear(data.resolve("c.csv"), 2, 20, 0, 2);
        List<String> lines = new ArrayList<>(Files.readAllLines(TestFleets.linear(data.resolve("b.csv"), 2, 20, 0, 3)));
        lines.set(6, lines.get(6) + ",1.5");
        Files.write(data.resolve("b.csv"), lines);
        // before: read as if fine, b.csv's 40 rows with one column and so without a device
        assertOneLine(() -> readAll(data.toString(), SMALL), "cannot read " + data.resolve("b.csv"), "line 7 has 6 fields where the header has 5");
        assertOneLine(() -> readAll(data + "/*.csv", SMALL), "b.csv", "line 7 has 6 fields");
    }

    @Test
    void aShortFileWhoseLastRowHasAFieldTooManyIsNotReadAsNoRows() throws IOException {
        // DuckDB took the last line for the header and the two before it for lines to skip: no rows, no error
        Path data = Files.createDirectories(dir.resolve("data"));
        TestFleets.linear(data.resolve("a.csv"), 2, 20, 0, 1);
        Path b = TestFleets.csv(data.resolve("b.csv"), "device,record_id,x1,x2,y", "b,100,1,2,3", "b,101,1,2,3,4");
        assertOneLine(() -> readAll(b.toString(), SMALL), "cannot read " + b, "line 3 has 6 fields where the header has 5");
        assertOneLine(() -> readAll(data.toString(), SMALL), "cannot read " + b, "line 3 has 6 fields where the header has 5");
    }

    // 2. damaged Parquet

    @Test
    void aParquetFileCutShortOrOfGarbageIsNamed() throws IOException {
        Path cut = dir.resolve("cut.parquet");
        SyntheticFleet.write(cut, 10, 100, 1);
        cut(cut, Files.size(cut) / 2);
        assertOneLine(() -> readAll(cut.toString(), SYNTHETIC), "cannot read " + cut, "damaged or not Parquet", "No magic bytes",
                "write or copy it again, or remove it");
        byte[] garbage = new byte[5000];
        new java.util.Random(1).nextBytes(garbage);
        Path magic = dir.resolve("magic.parquet");
        Files.write(magic, concat("PAR1".getBytes(StandardCharsets.US_ASCII), garbage, "PAR1".getBytes(StandardCharsets.US_ASCII)));
        assertOneLine(() -> readAll(magic.toString(), SYNTHETIC), "cannot read " + magic, "damaged or not Parquet");
    }

    @Test
    void aDamagedParquetFileAmongGoodOnesIsNamedWhenItsFooterOrItsPagesFail() throws IOException, SQLException {
        Path data = Files.createDirectories(dir.resolve("data"));
        for (String name : List.of("a.parquet", "b.parquet", "c.parquet")) {
            SyntheticFleet.write(data.resolve(name), 10, 100, name.charAt(0));
        }
        Path b = data.resolve("b.parquet");
        // The header of feature_1's data page, header and footer of the file intact: DuckDB's error
        // ("don't know what type") does not name the file; counting reads only device_id and passes
        overwrite(b, pageOffset(b, "feature_1"), filled(16, (byte) 0xFF));
        try (FleetSource s = DuckDbFleetSource.open(data.toString())) {
            assertEquals(new FleetShape(3000, 10, 0), s.shape(SYNTHETIC));
            assertOneLine(() -> s.frames(SYNTHETIC).close(), "cannot read " + b, "damaged or not Parquet");
        }
        // The footer (the file's schema and where its pages are)
        SyntheticFleet.write(b, 10, 100, 'b');
        long size = Files.size(b);
        overwrite(b, size - 8 - footerLength(b) + 40, filled(30, (byte) 0x0E));
        assertOneLine(() -> readAll(data.toString(), SYNTHETIC), "cannot read " + b, "damaged or not Parquet");
    }

    private static long pageOffset(Path parquet, String column) throws SQLException {
        try (Connection c = DuckDb.open(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT data_page_offset FROM parquet_metadata(" + DuckDb.literal(parquet.toString())
                     + ") WHERE path_in_schema = " + DuckDb.literal(column))) {
            assertTrue(rs.next());
            return rs.getLong(1);
        }
    }

    private static long footerLength(Path parquet) throws IOException {
        byte[] all = Files.readAllBytes(parquet);
        int n = all.length;
        return (all[n - 8] & 0xFF) | (all[n - 7] & 0xFF) << 8 | (all[n - 6] & 0xFF) << 16 | (all[n - 5] & 0xFF) << 24;
    }

    private static byte[] filled(int n, byte b) {
        byte[] bytes = new byte[n];
        Arrays.fill(bytes, b);
        return bytes;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    // 3. files whose columns differ

    @Test
    void csvFilesWithDifferentColumnsAreRefusedNamingFilesAndColumns() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        TestFleets.csv(data.resolve("a.csv"), "station,No,TEMP,PM2.5", "s1,1,1.5,10");
        TestFleets.csv(data.resolve("b.csv"), "station,No,PM2.5", "s2,1,10");
        TestFleets.csv(data.resolve("c.csv"), "station,No,TEMP,PM2.5", "s3,1,1.5,10");
        FrameQuery q = new FrameQuery("station", List.of("TEMP"), "PM2.5", null, List.of());
        // before: read as if fine, with TEMP NULL in all of b.csv's rows
        assertOneLine(() -> readAll(data.toString(), q), "files in " + data + "/ have different columns",
                "b.csv lacks 'TEMP' (present in a.csv)", "give files with the same columns");

        TestFleets.csv(data.resolve("b.csv"), "station,No,TEMP,PM2.5,wd", "s2,1,1.5,10,NE");
        assertOneLine(() -> readAll(data.toString(), q), "b.csv has 'wd' (not in a.csv)");

        TestFleets.csv(data.resolve("b.csv"), "station,No,temperature,PM2.5", "s2,1,1.5,10");
        assertOneLine(() -> readAll(data.toString(), q), "b.csv lacks 'TEMP' (present in a.csv) and has 'temperature' (not in a.csv)");

        // gzip, and the one file that differs named even when it comes first
        Files.delete(data.resolve("b.csv"));
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(data.resolve("0.csv.gz")))) {
            out.write("station,No,PM2.5\ns0,1,10\n".getBytes(StandardCharsets.UTF_8));
        }
        assertOneLine(() -> readAll(data + "/*.csv*", q), "0.csv.gz lacks 'TEMP' (present in a.csv)");
    }

    @Test
    void parquetFilesWithDifferentColumnsAreRefusedNamingFilesAndColumns() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        SyntheticFleet.write(data.resolve("a.parquet"), 3, 10, 1);
        SyntheticFleet.write(data.resolve("b.parquet"), 3, 10, 2);
        try (TableFile t = TableFile.create(data.resolve("c.parquet"), List.of(TableFile.Column.integer("record_id"),
                TableFile.Column.integer("device_id"), TableFile.Column.real("feature_1"), TableFile.Column.real("feature_2"),
                TableFile.Column.real("label"), TableFile.Column.real("humidity")))) {
            t.row(1L, 1L, 0.5, 0.5, 1.0, 40.0);
            t.commit();
        }
        assertOneLine(() -> readAll(data.toString(), SYNTHETIC), "have different columns",
                "c.parquet lacks 'feature_3' (present in a.parquet) and has 'humidity' (not in a.parquet)");
    }

    @Test
    void filesWhoseColumnsDifferOnlyInOrderCaseOrTypeAreRead() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        TestFleets.csv(data.resolve("a.csv"), "device,record_id,x1,x2,y", "a,1,1.5,2,3", "a,2,2.5,2,3");
        TestFleets.csv(data.resolve("b.csv"), "Y,X2,x1,record_id,device", "4,5,6,3,b", "4,5,7,4,b");
        try (FleetSource s = DuckDbFleetSource.open(data.toString())) {
            assertEquals(new FleetShape(4, 2, 0), s.shape(SMALL));
            List<DeviceFrame> frames = new ArrayList<>();
            try (var f = s.frames(SMALL)) {
                f.forEachRemaining(frames::add);
            }
            assertArrayEquals(new double[] {1.5, 2.5}, frames.get(0).columns()[0]);
            assertArrayEquals(new double[] {6, 7}, frames.get(1).columns()[0], "b's x1 (integers), matched by name");
            assertArrayEquals(new double[] {5, 5}, frames.get(1).columns()[1], "b's X2 is x2");
        }
        // lines before the header, which DuckDB skips: not taken for headers that differ
        Path logged = Files.createDirectories(dir.resolve("logged"));
        TestFleets.csv(logged.resolve("a.csv"), "# logger 17, exported 2024-01-01", "device,record_id,x1,x2,y", "a,1,1.5,2,3", "a,2,2.5,2,3");
        TestFleets.csv(logged.resolve("b.csv"), "Logger: 18; exported: 2024-01-02", "device,record_id,x1,x2,y", "b,3,1.5,2,3");
        try (FleetSource s = DuckDbFleetSource.open(logged.toString())) {
            assertEquals(new FleetShape(3, 2, 0), s.shape(SMALL));
        }
    }

    // 4. empty device ids

    @Test
    void anEmptyTextDeviceIdInParquetIsAMissingIdAsInCsv() {
        Path parquet = dir.resolve("ids.parquet");
        try (TableFile t = TableFile.create(parquet, List.of(TableFile.Column.text("device"), TableFile.Column.integer("record_id"),
                TableFile.Column.real("x1"), TableFile.Column.real("x2"), TableFile.Column.real("y")))) {
            t.row("a", 1L, 1.0, 1.0, 1.0);
            t.row("", 2L, 2.0, 2.0, 2.0);
            t.row("b", 3L, 3.0, 3.0, 3.0);
            t.row(null, 4L, 4.0, 4.0, 4.0);
            t.row("", 5L, 5.0, 5.0, 5.0);
            t.row("a", 6L, 6.0, 6.0, 6.0);
            t.commit();
        }
        Path csv = TestFleets.csv(dir.resolve("ids.csv"), "device,record_id,x1,x2,y", "a,1,1,1,1", ",2,2,2,2", "b,3,3,3,3",
                "\"\",4,4,4,4", ",5,5,5,5", "a,6,6,6,6");
        for (Path p : List.of(parquet, csv)) {
            try (FleetSource s = DuckDbFleetSource.open(p.toString())) {
                assertEquals(new FleetShape(3, 2, 3), s.shape(SMALL), p.toString());
                List<DeviceFrame> frames = new ArrayList<>();
                try (var f = s.frames(SMALL)) {
                    f.forEachRemaining(frames::add);
                }
                assertEquals(List.of("a", "b"), frames.stream().map(DeviceFrame::deviceId).toList(), p.toString());
                assertArrayEquals(new long[] {1, 6}, frames.get(0).recordIds());
            }
        }
    }

    // DuckDB's own ways of hiding an error

    @Test
    void aStreamedResultThatFailsHalfWayIsNotTakenForItsEnd() throws SQLException {
        Path csv = smallCsv("late.csv", 25_000, lines -> lines.set(24_000, "d1,24000,1,2,3,4"));
        try (Connection c = DuckDb.open();
             PreparedStatement ps = c.prepareStatement("SELECT * FROM read_csv(" + DuckDb.literal(csv.toString()) + ", header = true)")) {
            DuckDBChunkedResult result = ps.unwrap(DuckDBPreparedStatement.class).query();
            long rows = 0;
            try {
                while (result.nextChunk()) {
                    rows += result.chunk().rowCount();
                }
            } catch (Exception e) {
                result.close();
                return; // a driver that throws here hides nothing
            }
            assertTrue(rows < 25_000, "DuckDB (1.5) ends the result early, as if complete: " + rows);
            SQLException e = assertThrows(SQLException.class, () -> DuckDb.checkEnded(result));
            assertTrue(DuckDb.reason(e).startsWith("CSV Error on Line: 24001"), DuckDb.reason(e));
            result.close();
        }
    }

    @Test
    void reasonIsTheLineThatSaysWhatWentWrong() {
        assertEquals("No magic bytes found at end of file 'x.parquet'", DuckDb.reason(new SQLException(
                "Invalid Input Error: Attempting to execute an unsuccessful or closed pending query result\n"
                        + "Error: Invalid Input Error: No magic bytes found at end of file 'x.parquet'\n\nLINE 1: SELECT ...")));
        assertEquals("don't know what type", DuckDb.reason(new SQLException("Invalid Error: don't know what type: \u000e\n\nLINE 1:")));
        assertEquals("Could not convert string 'x' to INT32", DuckDb.reason(new SQLException("Conversion Error: Could not convert string 'x' to INT32")));
    }
}
