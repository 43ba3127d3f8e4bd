package io.fleetml.spark;

import io.fleetml.data.SyntheticFleet;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.SqliteTrackingStore;
import io.fleetml.store.TrackingStore;
import io.fleetml.train.TrainOutcome;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The job jar, submitted with spark-submit (Spark's own SparkSubmit, from the Maven repository) to a
 * standalone cluster of a master and two workers: the way a user runs fleetml on a cluster. The
 * submitting JVM and the executors see Spark's classes only; fleetml comes from the job jar.
 * Runs after {@code package} (Maven's integration-test phase), when the job jar exists.
 */
@Tag("slow")
class SparkSubmitIT {
    @TempDir
    Path dir;

    /** Spark and its dependencies without anything of fleetml's own: what a cluster provides. */
    private static String sparkOnlyClasspath() {
        List<String> ours = List.of("fleetml", "xgboost", "ejml", "sqlite-jdbc", "picocli", "duckdb", "junit", "opentest4j", "apiguardian");
        return Arrays.stream(LocalCluster.classpath().split(File.pathSeparator))
                .filter(e -> ours.stream().noneMatch(e::contains) && !e.endsWith("classes"))
                .collect(Collectors.joining(File.pathSeparator));
    }

    private static Path jobJar() {
        Path jar = Path.of("target", "fleetml-spark-0.1.0-SNAPSHOT.jar").toAbsolutePath();
        assertTrue(Files.exists(jar), "the job jar is built by 'mvn package': " + jar);
        return jar;
    }

    private void submit(LocalCluster cluster, String name, String... jobArgs) throws Exception {
        String sparkCp = sparkOnlyClasspath();
        List<String> args = new ArrayList<>(List.of("--master", cluster.url, "--deploy-mode", "client", "--class", "io.fleetml.spark.SparkJob",
                "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.ui.enabled=false",
                "--conf", "spark.executor.memory=512m", "--conf", "spark.cores.max=2", "--conf", "spark.sql.shuffle.partitions=4",
                "--conf", "spark.executor.extraClassPath=" + sparkCp,
                "--conf", "spark.executor.extraJavaOptions=" + LocalCluster.jvmOptions(),
                jobJar().toString()));
        args.addAll(Arrays.asList(jobArgs));
        Process p = cluster.start(name, sparkCp, "org.apache.spark.deploy.SparkSubmit", args.toArray(String[]::new));
        assertTrue(p.waitFor(240, TimeUnit.SECONDS), name + " did not finish: " + LocalCluster.read(cluster.log(name)));
        assertEquals(0, p.exitValue(), name + " failed: " + LocalCluster.read(cluster.log(name)));
    }

    @Test
    void sparkSubmitTrainsAndScoresOnAStandaloneCluster() throws Exception {
        Path data = dir.resolve("fleet.parquet");
        SyntheticFleet.write(data, 6, 200, 8);
        Path store = dir.resolve("store");
        String artifacts = dir.resolve("shared-artifacts").toUri().toString();
        try (LocalCluster cluster = new LocalCluster(dir, 2)) {
            submit(cluster, "submit-train", "train", "--data", data.toString(), "--device-column", "device_id",
                    "--features", "feature_1,feature_2,feature_3", "--label", "label", "--algorithm", "gradient_boosting",
                    "--param", "n_estimators=20", "--store", store.toString(), "--artifacts", artifacts,
                    "--out", dir.resolve("results").toString());
            submit(cluster, "submit-score", "score", "--data", data.toString(), "--session", "latest", "--store", store.toString(),
                    "--artifacts", artifacts, "--out", dir.resolve("predictions").toString());
        }
        String trainLog = LocalCluster.read(dir.resolve("submit-train.log"));
        assertTrue(trainLog.contains("devices: 6 OK, 0 failed, 0 skipped of 6") && trainLog.contains("results: "), trainLog);
        String scoreLog = LocalCluster.read(dir.resolve("submit-score.log"));
        assertTrue(scoreLog.contains("scored 1,200 of 1,200 records (6 devices)"), scoreLog);
        try (TrackingStore tracking = SqliteTrackingStore.open(store.resolve("fleetml.db"))) {
            SessionRecord session = tracking.latest(null).orElseThrow();
            List<TrainOutcome> runs = tracking.devices(session.id(), io.fleetml.store.DeviceQuery.ALL);
            assertEquals(6, runs.size());
            assertTrue(runs.stream().allMatch(o -> o.status() == TrainOutcome.Status.OK && o.modelUri().startsWith(artifacts.replaceAll("/?$", "/") + session.id() + "/part-")
                    && Files.isRegularFile(Path.of(java.net.URI.create(io.fleetml.store.ModelUri.packOf(o.modelUri()))))), runs.toString());
        }
        assertTrue(Files.exists(dir.resolve("results/_SUCCESS")));
        assertTrue(Files.exists(dir.resolve("predictions/_SUCCESS")));
    }
}
