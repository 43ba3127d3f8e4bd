package io.fleetml.cli;

import io.fleetml.store.FleetStore;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code fleetml serve} in a JVM of its own: it answers while this process trains into the same store (two processes
 * on one SQLite file, as a user runs them), and SIGTERM stops it the way the README says.
 */
@Tag("slow")
class ServeProcessTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @TempDir
    Path dir;

    static int status(String url, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60));
        r = body == null ? r.GET() : r.POST(HttpRequest.BodyPublishers.ofString(body));
        return CLIENT.send(r.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void answersWhileAnotherProcessTrainsAndStopsOnSigterm() throws Exception {
        Path small = dir.resolve("small.parquet");
        Path larger = dir.resolve("larger.parquet");
        assertEquals(0, Cli.run("generate", "--devices", "6", "--rows-per-device", "200", "--out", small.toString(), "--seed", "3").code());
        assertEquals(0, Cli.run("generate", "--devices", "40", "--rows-per-device", "3000", "--out", larger.toString(), "--seed", "5").code());
        String store = dir.resolve("store").toString();
        Cli first = ServeCommandTest.train(store, small);
        assertEquals(0, first.code(), first.toString());
        try (FleetStore s = FleetStore.open(Path.of(store))) {
            s.tracking().registry().register("meters", CliEndToEndTest.sessionId(first), "prod", null, "test");
        }

        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process server = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), "io.fleetml.cli.FleetCli",
                "serve", "--port", "0", "--store", store).redirectError(dir.resolve("serve.err").toFile()).start();
        java.util.function.Supplier<String> err = () -> {
            try {
                return java.nio.file.Files.readString(dir.resolve("serve.err"));
            } catch (java.io.IOException e) {
                return e.toString();
            }
        };
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertNotNull(line, "serve printed nothing: " + (server.waitFor(5, TimeUnit.SECONDS) ? err.get() : ""));
            Matcher m = Pattern.compile("at (http://\\S+)").matcher(line);
            assertTrue(m.find(), line);
            String url = m.group(1);

            CompletableFuture<Cli> training = CompletableFuture.supplyAsync(() -> Cli.run("train", "--data", larger.toString(),
                    "--device-column", "device_id", "--features", "feature_1,feature_2,feature_3", "--label", "label",
                    "--algorithm", "gradient_boosting", "--param", "n_estimators=100", "--store", store, "--experiment", "other-process"));
            List<String> failures = new ArrayList<>();
            int duringTraining = 0;
            while (!training.isDone()) {
                for (String path : List.of("/api/v1/sessions", "/api/v1/models/meters", "/api/v1/devices/3/runs", "/metrics")) {
                    int s = status(url + path, null);
                    if (s != 200) {
                        failures.add(path + " " + s);
                    }
                }
                int p = status(url + "/api/v1/models/meters@prod/predict", ServeCommandTest.PREDICT);
                if (p != 200) {
                    failures.add("predict " + p);
                }
                duringTraining++;
            }
            Cli trained = training.get(5, TimeUnit.MINUTES);
            assertEquals(0, trained.code(), trained.toString());
            assertEquals(List.of(), failures);
            assertTrue(duringTraining >= 5, "requests answered while the other process trained: " + duringTraining);
            assertEquals(200, status(url + "/api/v1/sessions?experiment=other-process", null));

            server.destroy(); // SIGTERM
            assertTrue(server.waitFor(60, TimeUnit.SECONDS), "stopped");
            assertEquals(143, server.exitValue(), err.get());
            assertTrue(err.get().contains("stopped serving"), err.get());
        } finally {
            server.destroyForcibly();
        }
    }
}
