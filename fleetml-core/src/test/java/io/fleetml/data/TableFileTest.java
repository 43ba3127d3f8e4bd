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
        }
        assertEquals(List.of("device_id,n,mse", "a,3,0.5", "\"b, with comma\",4,"), Files.readAllLines(csv));
        Path parquet = dir.resolve("out.parquet");
        try (TableFile t = TableFile.create(parquet, cols)) {
            t.row("a", 3, 0.5);
        }
        try (FleetSource s = DuckDbFleetSource.open(parquet.toString())) {
            assertEquals(List.of("device_id", "n", "mse"), s.columns());
        }
        assertFalse(Files.list(dir).anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
    }

    @Test
    void unknownExtensionIsRefused() {
        assertThrows(FleetInputException.class, () -> TableFile.requireWritable(dir.resolve("x.json")));
        TableFile.requireWritable(dir.resolve("x.csv.gz"));
        assertThrows(FleetInputException.class, () -> TableFile.create(dir.resolve("x.json"), List.of(TableFile.Column.text("a"))));
    }
}
