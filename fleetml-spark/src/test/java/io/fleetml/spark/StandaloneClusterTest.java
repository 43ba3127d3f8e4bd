package io.fleetml.spark;

import io.fleetml.data.SyntheticFleet;
import io.fleetml.store.SqliteTrackingStore;
import io.fleetml.store.TrackingStore;
import io.fleetml.train.TrainOutcome;
import io.fleetml.train.TrainSpec;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A real standalone cluster on 127.0.0.1: a master and two workers, each its own JVM started from the test
 * classpath; the test is the driver, the workers start executor JVMs, and models go to a shared local path.
 */
@Tag("slow")
class StandaloneClusterTest {
    @TempDir
    Path dir;

    @Test
    void trainsOnAMasterAndTwoWorkers() throws Exception {
        try (LocalCluster cluster = new LocalCluster(dir, 2)) {
            trainAndScore(cluster.url);
        }
    }

    private void trainAndScore(String url) throws Exception {
        Path data = dir.resolve("fleet.parquet");
        SyntheticFleet.write(data, 8, 300, 21);
        SparkSession spark = SparkSession.builder().master(url).appName("fleetml-standalone-test")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.executor.memory", "512m").config("spark.executor.cores", "1")
                .config("spark.cores.max", "2").config("spark.sql.shuffle.partitions", "4")
                .config("spark.executor.extraClassPath", LocalCluster.classpath())
                .config("spark.executor.extraJavaOptions", LocalCluster.jvmOptions())
                .getOrCreate();
        try (TrackingStore tracking = SqliteTrackingStore.open(dir.resolve("store/fleetml.db"))) {
            Path shared = dir.resolve("shared-artifacts");
            SparkFleet fleet = new SparkFleet(tracking, shared.toUri().toString());
            List<Row> results = fleet.train(spark.read().parquet(data.toString()),
                    TrainSpec.builder("device_id", SyntheticFleet.FEATURES, "label").algorithm("linear").idColumn("record_id").build())
                    .collectAsList();
            assertEquals(8, results.size());
            List<TrainOutcome> runs = tracking.devices(fleet.lastSession().id(), io.fleetml.store.DeviceQuery.ALL);
            assertEquals(8, runs.size());
            for (TrainOutcome o : runs) {
                assertEquals(TrainOutcome.Status.OK, o.status(), o.toString());
                assertTrue(o.holdout().r2() > 0.8, o.toString());
                String pack = io.fleetml.store.ModelUri.packOf(o.modelUri());
                assertTrue(pack.startsWith(shared.toUri() + fleet.lastSession().id() + "/part-"), pack);
                assertTrue(Files.isRegularFile(Path.of(java.net.URI.create(pack))), pack);
            }
            long executors = spark.sparkContext().getExecutorMemoryStatus().size() - 1; // minus the driver
            assertEquals(2, executors, "both workers ran an executor");
            long scored = fleet.score(spark.read().parquet(data.toString()), fleet.lastSession()).where("prediction IS NOT NULL").count();
            assertEquals(2400, scored);
        } finally {
            spark.stop();
        }
    }
}
