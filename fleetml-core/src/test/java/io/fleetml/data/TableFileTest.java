package io.fleetml.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class TableFileTest {
    @TempDir
    Path dir;

    @Test
    void writesCsvWithEmptyCellsForMissingValuesAndReadsBackAsParquet() throws IOException {
        List<TableFile.Column> cols = List.of(TableFile.Column.text("device_id"), TableFile.Column.integer("n"), TableFile.Column.real("mse"));
        Path csv = dir.resolve("out.csv");
        try (TableFile t = TableFile.create(csv, cols)) {
            t.row("a", 3, 0.5);
            t.row("b, with comma", 4L, Double.NaN);
            t.commit();
        }
        assertEquals(List.of("device_id,n,mse", "a,3,0.5", "\"b, with comma\",4,"), Files.readAllLines(csv));
        Path parquet = dir.resolve("out.parquet");
        try (TableFile t = TableFile.create(parquet, cols)) {
            t.row("a", 3, 0.5);
            t.commit();
        }
        try (FleetSource s = DuckDbFleetSource.open(parquet.toString())) {
            assertEquals(List.of("device_id", "n", "mse"), s.columns());
        }
        assertFalse(Files.list(dir).anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
    }

    @Test
    void repeatedColumnsBecomeOneRowPerElementInOrder() throws Exception {
        Path parquet = dir.resolve("predictions.parquet");
        int devices = 3_000; // many hand-offs to the writer, and rows spanning DuckDB's chunks
        try (TableFile t = TableFile.create(parquet, List.of(TableFile.Column.integers("record_id"), TableFile.Column.text("device_id"),
                TableFile.Column.reals("prediction"), TableFile.Column.oneOf("model", List.of("device/s1", "fleet/s1"))))) {
            for (int d = 0; d < devices; d++) {
                long[] ids = new long[d % 7 == 0 ? 0 : 1 + d % 1_000];
                double[] p = new double[ids.length];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = d * 10_000L + i;
                    p[i] = i == 3 ? Double.NaN : d + i / 1000.0;
                }
                t.row(ids, "dev-" + d, p, d % 3 == 0 ? "device/s1" : d % 3 == 1 ? null : "fleet/s1");
            }
            t.commit();
        }
        try (var db = java.sql.DriverManager.getConnection("jdbc:duckdb:"); var st = db.createStatement();
             var rs = st.executeQuery("SELECT count(*), count(prediction), count(model), "
                     + "bool_and(device_id = 'dev-' || (record_id // 10000)), "
                     + "bool_and(prediction IS NULL OR abs(prediction - (record_id // 10000 + (record_id % 10000) / 1000.0)) < 1e-9), "
                     + "bool_and(record_id > prev), "
                     + "bool_and(model IS NOT DISTINCT FROM CASE (record_id // 10000) % 3 WHEN 0 THEN 'device/s1' WHEN 2 THEN 'fleet/s1' END), "
                     + "min(typeof(model)) FROM (SELECT *, lag(record_id, 1, -1) OVER () AS prev FROM '" + parquet + "')")) {
            rs.next();
            long rows = 0;
            long nan = 0;
            long withModel = 0;
            for (int d = 0; d < devices; d++) {
                int n = d % 7 == 0 ? 0 : 1 + d % 1_000;
                rows += n;
                nan += n > 3 ? 1 : 0;
                withModel += d % 3 != 1 ? n : 0;
            }
            assertEquals(rows, rs.getLong(1));
            assertEquals(rows - nan, rs.getLong(2), "NaN is written as null");
            assertEquals(withModel, rs.getLong(3));
            assertTrue(rs.getBoolean(4), "each element carries its row's device");
            assertTrue(rs.getBoolean(5), "each element its own value");
            assertTrue(rs.getBoolean(6), "rows in the order given");
            assertTrue(rs.getBoolean(7), "each row its device's model, or null");
            assertEquals("VARCHAR", rs.getString(8), "a column of known values reads back as plain text");
        }
    }

    @Test
    void aColumnOfKnownValuesWritesThemAsTextAndRefusesOthers() throws IOException {
        Path csv = dir.resolve("known.csv");
        try (TableFile t = TableFile.create(csv, List.of(TableFile.Column.integers("id"), TableFile.Column.oneOf("model", List.of("it's", "b, c"))))) {
            t.row(new long[]{1, 2}, "it's");
            t.row(new long[]{3}, null);
            t.row(new long[]{4}, "b, c");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.row(new long[]{5}, "other"));
            assertTrue(e.getMessage().contains("column model of " + csv + " takes [it's, b, c] or null, not other"), e.getMessage());
            t.commit();
        }
        assertEquals(List.of("id,model", "1,it's", "2,it's", "3,", "4,\"b, c\""), Files.readAllLines(csv));
        assertThrows(IllegalArgumentException.class, () -> TableFile.Column.oneOf("model", List.of("a", "a")));
    }

    @Test
    void aValueTheWriterCannotTakeFailsNamingTheFileAndLeavesNothing() throws IOException {
        Path out = dir.resolve("bad.csv");
        TableFile t = TableFile.create(out, List.of(TableFile.Column.text("device_id"), TableFile.Column.real("mse")));
        t.row("a", "not a number");
        FleetInputException e = assertThrows(FleetInputException.class, t::commit);
        t.close();
        assertTrue(e.getMessage().startsWith("cannot write " + out), e.getMessage());
        assertEquals(0, Files.list(dir).count(), "neither the file nor a temporary one");
        assertThrows(IllegalArgumentException.class, () -> {
            try (TableFile mismatched = TableFile.create(dir.resolve("m.csv"), List.of(TableFile.Column.integers("a"), TableFile.Column.reals("b")))) {
                mismatched.row(new long[2], new double[3]);
            }
        });
    }

    @Test
    void aTableThatIsNotCommittedLeavesWhatWasThereUntouched() throws IOException {
        Path out = dir.resolve("predictions.csv");
        Files.writeString(out, "good predictions\n");
        for (int rows : new int[] {0, 3, 3_000_000}) { // nothing, a little, and more than the writer's queue holds
            assertThrows(IllegalStateException.class, () -> {
                try (TableFile t = TableFile.create(out, List.of(TableFile.Column.integer("id")))) {
                    for (long i = 0; i < rows; i++) {
                        t.row(i);
                    }
                    throw new IllegalStateException("the work failed");
                }
            });
            assertEquals("good predictions\n", Files.readString(out));
            try (var files = Files.list(dir)) {
                assertEquals(List.of(out), files.toList(), "no temporary file left after " + rows + " rows");
            }
        }
    }

    @Test
    void unknownExtensionIsRefused() {
        assertThrows(FleetInputException.class, () -> TableFile.requireWritable(dir.resolve("x.json")));
        TableFile.requireWritable(dir.resolve("x.csv.gz"));
        assertThrows(FleetInputException.class, () -> TableFile.create(dir.resolve("x.json"), List.of(TableFile.Column.text("a"))));
    }
}
