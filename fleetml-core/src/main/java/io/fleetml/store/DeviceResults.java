package io.fleetml.store;

import io.fleetml.data.DeviceIdType;
import io.fleetml.data.TableFile;
import io.fleetml.data.TableFile.Column;
import io.fleetml.fleet.FleetOutcome;

import java.nio.file.Path;
import java.util.List;

/** A session's per-device results table: one row per device run, the columns of the design's training output. */
public final class DeviceResults {
    private DeviceResults() {
    }

    /**
     * The runs {@code query} selects, one row per device, streamed from the store; device ids as the session's data had
     * them (integers stay integers). The file ({@code .csv}, {@code .csv.gz} or {@code .parquet}) appears only when
     * complete. {@code fleetml train/devices --out} and the MLflow export write the table with it.
     */
    public static void write(Path out, SessionRecord session, TrackingStore tracking, DeviceQuery query) {
        DeviceIdType deviceIds = session.deviceIds();
        List<Column> columns = new java.util.ArrayList<>(List.of(deviceIds.column("device_id"), Column.integer("n_used"), Column.integer("n_test"),
                Column.text("model_uri"), Column.real("mse"), Column.real("rmse"), Column.real("mae"), Column.real("r2"),
                Column.text("status"), Column.text("error"), Column.real("train_ms"), Column.integer("n_rows"),
                Column.integer("n_dropped"), Column.real("train_mse"), Column.text("trained_in")));
        boolean fleet = session.fleet() != null;
        if (fleet) { // a fleet session's runs also say which model answers and how the others did on the same test rows
            columns.addAll(List.of(Column.text("chosen"), Column.real("fleet_mse"), Column.real("fleet_r2"), Column.real("hierarchical_mse"),
                    Column.real("hierarchical_r2"), Column.real("stack_mse"), Column.real("stack_r2")));
        }
        try (TableFile table = TableFile.create(out, columns)) {
            tracking.forEachDevice(session.id(), query, o -> {
                Object[] base = {deviceIds.value(o.deviceId()), o.nUsed(), o.nTest(), o.modelUri(), o.holdout().mse(), o.holdout().rmse(),
                        o.holdout().mae(), o.holdout().r2(), o.status().name(), o.error(), o.trainMs(), o.nRows(), o.nDropped(), o.trainMse(),
                        o.trainedIn()};
                if (!fleet) {
                    table.row(base);
                    return;
                }
                FleetOutcome f = o.fleet();
                Object[] row = java.util.Arrays.copyOf(base, base.length + 7);
                if (f != null) {
                    Object[] more = {f.chosen() == null ? null : f.chosen().label(), f.fleet().mse(), f.fleet().r2(), f.hierarchical().mse(),
                            f.hierarchical().r2(), f.stack().mse(), f.stack().r2()};
                    System.arraycopy(more, 0, row, base.length, more.length);
                } else {
                    java.util.Arrays.fill(row, base.length + 1, row.length, Double.NaN);
                }
                table.row(row);
            });
            table.commit();
        }
    }
}
