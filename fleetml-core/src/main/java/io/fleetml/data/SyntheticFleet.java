package io.fleetml.data;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The reference synthetic fleet: {@code record_id, device_id, feature_1, feature_2, feature_3, label} with
 * {@code device_id = record_id % devices}, {@code feature_k ~ U(0, k)} and
 * {@code label = feature_1 + feature_2 + feature_3 + U(0, 1)}. The same seed gives the same file.
 */
public final class SyntheticFleet {
    public static final List<String> FEATURES = List.of("feature_1", "feature_2", "feature_3");

    private SyntheticFleet() {
    }

    /** Writes {@code devices × rowsPerDevice} rows to {@code out} (.csv, .csv.gz or .parquet). */
    public static long write(Path out, int devices, int rowsPerDevice, long seed) {
        if (devices < 1 || rowsPerDevice < 1) {
            throw new FleetInputException("devices and rows per device must be at least 1");
        }
        SplittableRandom random = new SplittableRandom(seed);
        long rows = (long) devices * rowsPerDevice;
        try (TableFile table = TableFile.create(out, List.of(TableFile.Column.integer("record_id"), TableFile.Column.integer("device_id"),
                TableFile.Column.real("feature_1"), TableFile.Column.real("feature_2"), TableFile.Column.real("feature_3"),
                TableFile.Column.real("label")))) {
            for (long id = 0; id < rows; id++) {
                double f1 = random.nextDouble();
                double f2 = 2 * random.nextDouble();
                double f3 = 3 * random.nextDouble();
                table.row(id, id % devices, f1, f2, f3, f1 + f2 + f3 + random.nextDouble());
            }
            table.commit();
        }
        return rows;
    }
}
