package io.fleetml.spark;

import io.fleetml.data.SyntheticFleet;
import io.fleetml.store.SqliteTrackingStore;
import io.fleetml.store.TrackingStore;
import io.fleetml.train.TrainOutcome;
import io.fleetml.train.TrainSpec;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A real standalone cluster on 127.0.0.1: a master and two workers, each its own JVM started from the test
 * classpath; the test is the driver, the workers start executor JVMs, and models go to a shared local path.
 */
@Tag("slow")
class StandaloneClusterTest {
    @TempDir
    Path dir;
    private final List<Process> cluster = new ArrayList<>();

    @AfterEach
    void stopCluster() throws InterruptedException {
        for (Process p : cluster) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        for (Process p : cluster) {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String jvmOptions() {
        return System.getProperty("spark.jvm.options", "");
    }

    private Process start(String name, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
        cmd.addAll(Arrays.asList(jvmOptions().split("\\s+")));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path")));
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile());
        Path sparkHome = Files.createDirectories(dir.resolve("spark-home"));
        pb.environment().put("SPARK_HOME", sparkHome.toString());   // no Spark installation: classes come from the classpath
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().put("SPARK_TESTING", "1");                 // lets a worker build executor commands without SPARK_HOME/jars
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        Process p = pb.start();
        cluster.add(p);
        return p;
    }

    private static void awaitPort(int port, Process p, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            assertTrue(p.isAlive(), () -> "exited early: " + read(log));
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        fail("not listening on " + port + ": " + read(log));
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Test
    void trainsOnAMasterAndTwoWorkers() throws Exception {
        int masterPort = freePort();
        Process master = start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", String.valueOf(masterPort),
                "--webui-port", String.valueOf(freePort()));
        awaitPort(masterPort, master, dir.resolve("master.log"));
        String url = "spark://127.0.0.1:" + masterPort;
        for (int i = 1; i <= 2; i++) {
            start("worker" + i, "org.apache.spark.deploy.worker.Worker", url, "--host", "127.0.0.1", "--cores", "1", "--memory", "1g",
                    "--webui-port", String.valueOf(freePort()), "--work-dir", Files.createDirectories(dir.resolve("work" + i)).toString());
        }

        Path data = dir.resolve("fleet.parquet");
        SyntheticFleet.write(data, 8, 300, 21);
        SparkSession spark = SparkSession.builder().master(url).appName("fleetml-standalone-test")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.executor.memory", "512m").config("spark.executor.cores", "1")
                .config("spark.cores.max", "2").config("spark.sql.shuffle.partitions", "4")
                .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .config("spark.executor.extraJavaOptions", jvmOptions())
                .getOrCreate();
        try (TrackingStore tracking = SqliteTrackingStore.open(dir.resolve("store/fleetml.db"))) {
            Path shared = dir.resolve("shared-artifacts");
            SparkFleet fleet = new SparkFleet(tracking, shared.toUri().toString());
            List<Row> results = fleet.train(spark.read().parquet(data.toString()),
                    TrainSpec.builder("device_id", SyntheticFleet.FEATURES, "label").algorithm("linear").idColumn("record_id").build())
                    .collectAsList();
            assertEquals(8, results.size());
            List<TrainOutcome> runs = tracking.devices(fleet.lastSession().id());
            assertEquals(8, runs.size());
            for (TrainOutcome o : runs) {
                assertEquals(TrainOutcome.Status.OK, o.status(), o.toString());
                assertTrue(o.holdout().r2() > 0.8, o.toString());
                assertTrue(Files.exists(Path.of(java.net.URI.create(o.modelUri())).resolve("model.json")), o.modelUri());
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
