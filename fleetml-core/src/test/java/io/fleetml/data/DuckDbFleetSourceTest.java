package io.fleetml.data;

import io.fleetml.TestFleets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

class DuckDbFleetSourceTest {
    @TempDir
    Path dir;

    private static final FrameQuery QUERY = new FrameQuery("device", List.of("x1", "x2"), "y", "record_id", List.of());

    private static List<DeviceFrame> frames(FleetSource s, FrameQuery q) {
        List<DeviceFrame> out = new ArrayList<>();
        try (var f = s.frames(q)) {
            f.forEachRemaining(out::add);
        }
        return out;
    }

    @Test
    void groupsRowsByDeviceInDeviceOrderWithIdsInOrder() {
        Path csv = TestFleets.csv(dir.resolve("f.csv"), "device,record_id,x1,x2,y",
                "b,5,1,2,3", "a,2,4,5,6", "b,1,7,8,9", "a,9,10,11,12", "c,3,13,14,15");
        try (FleetSource s = DuckDbFleetSource.open(csv.toString())) {
            List<DeviceFrame> f = frames(s, QUERY);
            assertEquals(List.of("a", "b", "c"), f.stream().map(DeviceFrame::deviceId).toList());
            assertArrayEquals(new long[] {1, 5}, f.get(1).recordIds());
            assertArrayEquals(new double[] {7, 1}, f.get(1).columns()[0]);
            assertArrayEquals(new double[] {9, 3}, f.get(1).label());
            assertEquals(new FleetShape(5, 3, 0), s.shape(QUERY));
        }
    }

    @Test
    void deviceIdsOfAWholeNumberColumnThatFitsALongAreIntegers() {
        Path csv = TestFleets.csv(dir.resolve("f.csv"), "station,big,code,amount,record_id,x1,x2,y",
                "7,9223372036854775808,a1,1.5,1,1,2,3");
        try (FleetSource s = DuckDbFleetSource.open(csv.toString())) {
            assertEquals(DeviceIdType.INTEGER, s.deviceIds("station"));
            assertEquals(DeviceIdType.INTEGER, s.deviceIds("record_id"));
            assertEquals(DeviceIdType.TEXT, s.deviceIds("big"), "beyond a long: kept as text");
            assertEquals(DeviceIdType.TEXT, s.deviceIds("code"));
            assertEquals(DeviceIdType.TEXT, s.deviceIds("amount"));
            FleetInputException e = assertThrows(FleetInputException.class, () -> s.deviceIds("statoin"));
            assertTrue(e.getMessage().contains("device column 'statoin'") && e.getMessage().contains("station"), e.getMessage());
        }
        assertEquals(42L, DeviceIdType.INTEGER.value("42"));
        assertEquals("42", DeviceIdType.TEXT.value("42"));
    }

    @Test
    void devicesSpanningDuckDbsChunksArriveWholeAndInOrder() {
        // DuckDB hands results over in chunks of 2,048 rows: a ends exactly on a chunk's edge, b spans two
        // chunks, c is a single row; the rows are interleaved in the file and numbered backwards
        int[] sizes = {2048, 3000, 1};
        List<String> lines = new ArrayList<>(List.of("device,record_id,x1,x2,y"));
        int id = 10_000;
        for (int i = 0; i < 3000; i++) {
            for (int d = 0; d < sizes.length; d++) {
                if (i < sizes[d]) {
                    lines.add((char) ('a' + d) + "," + id-- + "," + i + ",0," + (d * 100_000 + i));
                }
            }
        }
        Path csv = TestFleets.csv(dir.resolve("f.csv"), lines.toArray(String[]::new));
        try (FleetSource s = DuckDbFleetSource.open(csv.toString())) {
            List<DeviceFrame> f = frames(s, QUERY);
            assertEquals(List.of("a", "b", "c"), f.stream().map(DeviceFrame::deviceId).toList());
            for (int d = 0; d < sizes.length; d++) {
                DeviceFrame frame = f.get(d);
                assertEquals(sizes[d], frame.rows(), frame.deviceId());
                for (int i = 0; i < frame.rows(); i++) {
                    // ids ascend within the device, so row i is the file's (n - 1 - i)-th row of the device
                    assertEquals(d * 100_000 + frame.rows() - 1 - i, frame.label()[i], frame.deviceId() + " row " + i);
                    assertEquals(frame.rows() - 1 - i, frame.columns()[0][i], frame.deviceId() + " row " + i);
                    assertTrue(i == 0 || frame.recordIds()[i] > frame.recordIds()[i - 1]);
                }
            }
        }
    }

    @Test
    void integerDevicesSortNumericallyAndRowsWithoutIdAreNumberedInSourceOrder() {
        Path csv = TestFleets.csv(dir.resolve("f.csv"), "device,x1,x2,y", "10,1,1,1", "2,2,2,2", "10,3,3,3", ",4,4,4");
        try (FleetSource s = DuckDbFleetSource.open(csv.toString())) {
            FrameQuery q = new FrameQuery("device", List.of("x1", "x2"), "y", null, List.of());
            List<DeviceFrame> f = frames(s, q);
            assertEquals(List.of("2", "10"), f.stream().map(DeviceFrame::deviceId).toList());
            assertArrayEquals(new long[] {0, 2}, f.get(1).recordIds());
            assertEquals(new FleetShape(3, 2, 1), s.shape(q));
        }
    }

    @Test
    void missingValuesAreNaNAndColumnNamesMayHaveDotsAndSpaces() {
        Path csv = TestFleets.csv(dir.resolve("f.csv"), "station,PM2.5,wind speed,No", "s1,NA,1.5,1", "s1,3,,2", "s1,4,NaN,3");
        try (FleetSource s = DuckDbFleetSource.open(csv.toString())) {
            DeviceFrame f = frames(s, new FrameQuery("station", List.of("wind speed"), "PM2.5", null, List.of("No"))).get(0);
            assertTrue(Double.isNaN(f.label()[0]));
            assertEquals(3, f.label()[1]);
            assertEquals(1.5, f.columns()[0][0]);
            assertTrue(Double.isNaN(f.columns()[0][1]));
            assertTrue(Double.isNaN(f.columns()[0][2]));
        }
    }

    @Test
    void timeColumnsOrderEachDevicesRows() {
        Path csv = TestFleets.csv(dir.resolve("f.csv"), "device,t,x1,x2,y", "a,3,1,1,30", "a,1,1,1,10", "a,2,1,1,20");
        try (FleetSource s = DuckDbFleetSource.open(csv.toString())) {
            DeviceFrame f = frames(s, new FrameQuery("device", List.of("x1", "x2"), "y", null, List.of("t"))).get(0);
            assertArrayEquals(new double[] {10, 20, 30}, f.label());
        }
    }

    @Test
    void readsGzipParquetGlobsAndDirectories() throws IOException {
        Path a = TestFleets.linear(dir.resolve("a.csv"), 2, 5, 0, 1);
        Path gz = dir.resolve("sub").resolve("b.csv.gz");
        Files.createDirectories(gz.getParent());
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(Files.readAllBytes(a));
        }
        Path parquet = dir.resolve("p").resolve("c.parquet");
        try (TableFile t = TableFile.create(parquet, List.of(TableFile.Column.text("device"), TableFile.Column.integer("record_id"),
                TableFile.Column.real("x1"), TableFile.Column.real("x2"), TableFile.Column.real("y")))) {
            t.row("z", 1L, 1.0, 2.0, 3.0);
            t.commit();
        }
        try (FleetSource s = DuckDbFleetSource.open(gz.toString())) {
            assertEquals(10, s.shape(QUERY).rows());
        }
        try (FleetSource s = DuckDbFleetSource.open(dir.resolve("sub").toString())) {
            assertEquals(10, s.shape(QUERY).rows());
        }
        try (FleetSource s = DuckDbFleetSource.open(dir + "/**/*.csv*")) {
            assertEquals(20, s.shape(QUERY).rows(), "the glob matches a.csv and sub/b.csv.gz");
        }
        try (FleetSource s = DuckDbFleetSource.open(parquet.toString())) {
            assertEquals("z", frames(s, QUERY).get(0).deviceId());
        }
    }

    @Test
    void badInputGetsOneLineThatNamesTheProblem() throws IOException {
        assertMessage(() -> DuckDbFleetSource.open(dir.resolve("nope.csv").toString()), "file not found", "nope.csv");
        assertMessage(() -> DuckDbFleetSource.open(dir + "/*.parquet"), "no files match");
        Path txt = Files.writeString(dir.resolve("x.txt"), "hello");
        assertMessage(() -> DuckDbFleetSource.open(txt.toString()), "unknown format", "x.txt");
        Path broken = Files.writeString(dir.resolve("broken.parquet"), "not parquet at all");
        assertMessage(() -> DuckDbFleetSource.open(broken.toString()), "cannot read", "broken.parquet");
        Path csv = TestFleets.csv(dir.resolve("f.csv"), "device,record_id,x1,x2,y,wd", "a,1,1,2,3,NE");
        try (FleetSource s = DuckDbFleetSource.open(csv.toString())) {
            assertMessage(() -> s.check(new FrameQuery("device", List.of("x1", "x3"), "y", null, List.of())),
                    "feature column 'x3' not found", "did you mean 'x1'");
            assertMessage(() -> s.check(new FrameQuery("devise", List.of("x1"), "y", null, List.of())), "did you mean 'device'");
            assertMessage(() -> s.check(new FrameQuery("device", List.of("x1", "wd"), "y", null, List.of())),
                    "feature column 'wd'", "VARCHAR, not numeric");
        }
    }

    private static void assertMessage(Runnable r, String... parts) {
        FleetInputException e = assertThrows(FleetInputException.class, r::run);
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' should contain '" + p + "'");
        }
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }
}
