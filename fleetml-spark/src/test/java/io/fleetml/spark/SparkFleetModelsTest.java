package io.fleetml.spark;

import io.fleetml.data.DuckDbFleetSource;
import io.fleetml.data.FleetSource;
import io.fleetml.data.SyntheticFleet;
import io.fleetml.engine.LocalEngine;
import io.fleetml.engine.Progress;
import io.fleetml.engine.TrainReport;
import io.fleetml.fleet.FleetMode;
import io.fleetml.fleet.FleetReport;
import io.fleetml.fleet.FleetSpec;
import io.fleetml.resolve.ModelUse;
import io.fleetml.store.DeviceQuery;
import io.fleetml.store.FleetStore;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.SqliteTrackingStore;
import io.fleetml.store.TrackingStore;
import io.fleetml.train.TrainOutcome;
import io.fleetml.train.TrainSpec;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/** Fleet models on Spark match the local engine: the same sample, fleet model, metrics and choices; unseen devices scored. */
@Tag("slow")
class SparkFleetModelsTest {
    static SparkSession spark;
    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("fleetml-fleet-test")
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "3").getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static void assertClose(double expected, double actual, double relative, String device) {
        assertEquals(Double.isNaN(expected), Double.isNaN(actual), device);
        if (!Double.isNaN(expected)) {
            assertEquals(expected, actual, relative * Math.max(1, Math.abs(expected)), device);
        }
    }

    @Test
    void fleetModelsOnSparkMatchTheLocalEngineAndScoreUnseenDevices() {
        Path data = dir.resolve("fleet.parquet");
        Path later = dir.resolve("later.parquet");
        SyntheticFleet.writeHeterogeneous(data, later, 300, 42);
        TrainSpec spec = TrainSpec.builder("device_id", SyntheticFleet.FEATURES, "label").algorithm("linear").timeColumn("hour")
                .idColumn("record_id").fleet(new FleetSpec(FleetMode.STACK, "gradient_boosting", Map.of("n_estimators", "40"), 0.2, 20_000))
                .build();

        Map<String, TrainOutcome> local;
        FleetReport localFleet;
        Map<Long, Double> localPredictions = new HashMap<>();
        try (FleetSource source = DuckDbFleetSource.open(data.toString()); FleetSource newer = DuckDbFleetSource.open(later.toString());
             FleetStore store = FleetStore.open(dir.resolve("local"))) {
            TrainReport r = new LocalEngine(2).train(source, spec, store, Progress.NONE);
            local = store.tracking().devices(r.session().id(), DeviceQuery.ALL).stream()
                    .collect(Collectors.toMap(TrainOutcome::deviceId, Function.identity()));
            localFleet = r.session().fleet();
            new LocalEngine(2).score(newer, r.session().spec().scoreQuery(newer.columns(), null),
                    LocalEngine.models(r.session(), store.tracking(), ModelUse.CHOSEN), store.artifacts(), (device, ids, p, model) -> {
                        for (int i = 0; i < ids.length; i++) {
                            localPredictions.put(ids[i], p[i]);
                        }
                    }, Progress.NONE);
        }
        try (TrackingStore tracking = SqliteTrackingStore.open(dir.resolve("spark/fleetml.db"))) {
            SparkFleet fleet = new SparkFleet(tracking, dir.resolve("artifacts").toUri().toString());
            Dataset<Row> trained = fleet.train(spark.read().parquet(data.toString()), spec);
            assertEquals(Arrays.asList(SparkFleet.FLEET_RESULTS.fieldNames()), Arrays.asList(trained.columns()));
            List<Row> rows = trained.collectAsList();
            assertEquals(300, rows.size());
            assertTrue(rows.stream().allMatch(r -> !r.isNullAt(r.fieldIndex("chosen"))), "every device has its chosen model in the results");
            SessionRecord session = fleet.lastSession();
            FleetReport sparkFleet = session.fleet();
            assertEquals(localFleet.sampleRows(), sparkFleet.sampleRows(), "the same sample");
            assertEquals(localFleet.chosen(), sparkFleet.chosen());
            assertArrayEquals(localFleet.stacker(), sparkFleet.stacker(), 1e-6);
            for (TrainOutcome s : tracking.devices(session.id(), DeviceQuery.ALL)) {
                TrainOutcome l = local.get(s.deviceId());
                assertEquals(l.status(), s.status(), s.deviceId());
                assertEquals(l.nTest(), s.nTest(), s.deviceId());
                assertClose(l.holdout().mse(), s.holdout().mse(), 1e-9, s.deviceId());
                assertClose(l.fleet().fleet().mse(), s.fleet().fleet().mse(), 1e-6, s.deviceId());
                assertEquals(l.fleet().chosen(), s.fleet().chosen(), s.deviceId());
            }

            Dataset<Row> predictions = fleet.scoring(spark.read().parquet(later.toString()), session, null, ModelUse.CHOSEN).predictions();
            List<Row> p = predictions.collectAsList();
            assertEquals(localPredictions.size(), p.size());
            long unseen = p.stream().filter(r -> r.getLong(1) >= 300).peek(r -> assertEquals("fleet/" + session.id(), r.getString(3))).count();
            assertTrue(unseen > 0, "the later file has devices unseen in training");
            for (Row r : p) {
                assertFalse(r.isNullAt(2), "every record predicted: " + r);
                assertEquals(localPredictions.get(r.getLong(0)), r.getDouble(2), 1e-4 * Math.max(1, Math.abs(r.getDouble(2))), "record " + r.getLong(0));
            }
        }
    }
}
