package io.fleetml.spark;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Spark standalone cluster on 127.0.0.1 for tests: a master and workers, each its own JVM started from
 * Spark's classes on this test's classpath (no Spark installation). Closing it stops every JVM it started.
 */
final class LocalCluster implements AutoCloseable {
    private final Path dir;
    private final List<Process> processes = new ArrayList<>();
    final String url;

    LocalCluster(Path dir, int workers) throws Exception {
        this.dir = dir;
        int port = freePort();
        Process master = start("master", classpath(), "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                "--port", String.valueOf(port), "--webui-port", String.valueOf(freePort()));
        awaitPort(port, master, dir.resolve("master.log"));
        url = "spark://127.0.0.1:" + port;
        for (int i = 1; i <= workers; i++) {
            start("worker" + i, classpath(), "org.apache.spark.deploy.worker.Worker", url, "--host", "127.0.0.1", "--cores", "1",
                    "--memory", "1g", "--webui-port", String.valueOf(freePort()),
                    "--work-dir", Files.createDirectories(dir.resolve("work" + i)).toString());
        }
    }

    /** Spark's module options for Java 17, as Maven passes them to the tests. */
    static String jvmOptions() {
        return System.getProperty("spark.jvm.options", "");
    }

    /** This test's classpath: Spark, fleetml and everything else. */
    static String classpath() {
        return System.getProperty("java.class.path");
    }

    /** Starts {@code mainClass} in a new JVM on {@code classpath}, with the environment a cluster node needs. */
    Process start(String name, String classpath, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
        cmd.addAll(Arrays.asList(jvmOptions().split("\\s+")));
        cmd.addAll(List.of("-cp", classpath, mainClass));
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log(name).toFile());
        pb.environment().put("SPARK_HOME", Files.createDirectories(dir.resolve("spark-home")).toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().put("SPARK_TESTING", "1"); // lets a worker build executor commands without SPARK_HOME/jars
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    Path log(String name) {
        return dir.resolve(name + ".log");
    }

    static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void awaitPort(int port, Process p, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("exited early: " + read(log));
            }
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("not listening on " + port + ": " + read(log));
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        for (Process p : processes) {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }
}
