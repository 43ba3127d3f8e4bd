package io.fleetml.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleetml.store.FleetStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** {@code fleetml serve} as a user runs it: started by the command, answering over HTTP, stopped. */
class ServeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @TempDir
    static Path shared;
    static Path fleet;
    static String store;
    static String session;

    @BeforeAll
    static void trainAndRegister() {
        fleet = shared.resolve("fleet.parquet");
        assertEquals(0, Cli.run("generate", "--devices", "6", "--rows-per-device", "200", "--out", fleet.toString(), "--seed", "3").code());
        store = shared.resolve("store").toString();
        Cli train = train(store);
        assertEquals(0, train.code(), train.toString());
        session = CliEndToEndTest.sessionId(train);
        try (FleetStore s = FleetStore.open(Path.of(store))) {
            s.tracking().registry().register("meters", session, "prod", null, "test");
        }
    }

    static Cli train(String store) {
        return train(store, fleet);
    }

    static Cli train(String store, Path data) {
        return Cli.run("train", "--data", data.toString(), "--device-column", "device_id", "--features", "feature_1,feature_2,feature_3",
                "--label", "label", "--algorithm", "linear", "--store", store);
    }

    /** A {@code fleetml serve} running in a thread of this JVM. */
    record Serving(Thread thread, StringWriter out, StringWriter err, CompletableFuture<Integer> code, String url) {
        static Serving start(String... args) throws InterruptedException {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CompletableFuture<Integer> code = new CompletableFuture<>();
            Thread t = new Thread(() -> code.complete(FleetCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true))), "serve");
            t.start();
            Pattern url = Pattern.compile("at (http://\\S+)");
            for (int i = 0; i < 600 && !code.isDone(); i++) {
                Matcher m = url.matcher(out.toString());
                if (m.find()) {
                    return new Serving(t, out, err, code, m.group(1));
                }
                Thread.sleep(50);
            }
            fail("serve printed no URL: " + out + err + (code.isDone() ? " exit " + code.join() : ""));
            return null;
        }

        int stop() throws Exception {
            thread.interrupt();
            return code.get(60, TimeUnit.SECONDS);
        }
    }

    static HttpResponse<String> send(HttpRequest.Builder r) throws IOException, InterruptedException {
        return CLIENT.send(r.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(url)).GET());
    }

    static HttpResponse<String> post(String url, String body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json"));
    }

    static final String PREDICT = "{\"rows\": [{\"device_id\": 2, \"feature_1\": 0.1, \"feature_2\": 0.2, \"feature_3\": 0.3}, "
            + "{\"device_id\": \"4\", \"feature_1\": 0.4, \"feature_2\": null, \"feature_3\": 0.6}]}";

    @Test
    void servesAStoreUntilStopped() throws Exception {
        Serving s = Serving.start("serve", "--port", "0", "--store", store);
        assertTrue(s.url().matches("http://127\\.0\\.0\\.1:\\d+"), s.out().toString());
        assertEquals(1, s.out().toString().lines().count(), "one line: " + s.out());

        assertEquals("{\"status\":\"ok\"}", get(s.url() + "/health").body());
        assertTrue(s.out().toString().contains("(dashboard " + s.url() + "/)"), s.out().toString());
        HttpResponse<String> page = get(s.url() + "/");
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<title>fleetml") && page.headers().firstValue("Content-Security-Policy").isPresent(), page.body());
        HttpResponse<String> p = post(s.url() + "/api/v1/models/meters@prod/predict", PREDICT);
        assertEquals(200, p.statusCode(), p.body());
        JsonNode predictions = JSON.readTree(p.body()).get("predictions");
        assertEquals("2", predictions.get(0).get("device").asText());
        assertTrue(predictions.get(0).get("prediction").isNumber(), p.body());
        assertEquals("device", predictions.get(0).get("model").asText());
        assertTrue(predictions.get(1).get("prediction").isNull(), "linear, a missing feature: " + p.body());
        assertEquals(200, get(s.url() + "/api/v1/sessions/" + session + "/devices").statusCode());

        assertEquals(0, s.stop(), s.err().toString());
        assertTrue(s.err().toString().contains("stopped serving"), s.err().toString());
        assertThrows(IOException.class, () -> get(s.url() + "/health"), "no longer listening");
        // the store was closed: it opens again for writing
        try (FleetStore again = FleetStore.open(Path.of(store))) {
            assertEquals(1, again.tracking().registry().models().size());
        }
    }

    @Test
    void aTokenFromTheEnvironmentOrTheOption() throws Exception {
        Serving s = Serving.start("serve", "--port", "0", "--store", store, "--token", "t0k3n", "--token-reads");
        try {
            assertTrue(s.out().toString().contains("token required"), s.out().toString());
            assertEquals(200, get(s.url() + "/health").statusCode());
            assertEquals(401, get(s.url() + "/api/v1/models").statusCode());
            assertEquals(200, send(HttpRequest.newBuilder(URI.create(s.url() + "/api/v1/models")).header("Authorization", "Bearer t0k3n")).statusCode());
        } finally {
            assertEquals(0, s.stop());
        }
        Cli noToken = Cli.run("serve", "--port", "0", "--store", store, "--token-reads");
        if (System.getenv("FLEETML_TOKEN") == null) {
            assertEquals(2, noToken.code(), noToken.toString());
            assertTrue(noToken.err().contains("--token-reads needs a token"), noToken.toString());
        }
    }

    @Test
    void helpAndBadInvocations() throws Exception {
        Cli help = Cli.run("serve", "--help");
        assertEquals(0, help.code());
        for (String option : List.of("--host", "--port", "--store", "--token", "--token-reads", "--model-cache-mb", "--max-body-mb")) {
            assertTrue(help.out().contains(option), option + " in " + help.out());
        }
        assertTrue(Cli.run("--help").out().contains("serve"), "listed among the commands");
        Cli none = Cli.run();
        assertTrue(none.err().contains("serve"), none.toString());

        Cli noStore = Cli.run("serve", "--port", "0", "--store", shared.resolve("nowhere").toString());
        assertEquals(2, noStore.code(), noStore.toString());
        assertEquals(1, noStore.err().lines().count(), noStore.toString());
        assertTrue(noStore.err().startsWith("fleetml: error: no fleetml store at"), noStore.toString());

        assertEquals(2, Cli.run("serve", "--port", "70000", "--store", store).code());
        assertEquals(2, Cli.run("serve", "--port", "x", "--store", store).code());
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            Cli busy = Cli.run("serve", "--port", String.valueOf(taken.getLocalPort()), "--store", store);
            assertEquals(2, busy.code(), busy.toString());
            assertTrue(busy.err().contains("cannot listen on 127.0.0.1:" + taken.getLocalPort()), busy.toString());
            assertEquals(1, busy.err().lines().count(), busy.toString());
        }
    }

    /** A training session writes to the store from another connection while the server answers: no request fails. */
    @Tag("slow")
    @Test
    void keepsAnsweringWhileTrainingWritesToTheStore() throws Exception {
        Path larger = shared.resolve("larger.parquet");
        assertEquals(0, Cli.run("generate", "--devices", "40", "--rows-per-device", "3000", "--out", larger.toString(), "--seed", "5").code());
        Serving s = Serving.start("serve", "--port", "0", "--store", store);
        try {
            CompletableFuture<Cli> training = CompletableFuture.supplyAsync(() -> Cli.run("train", "--data", larger.toString(),
                    "--device-column", "device_id", "--features", "feature_1,feature_2,feature_3", "--label", "label",
                    "--algorithm", "gradient_boosting", "--param", "n_estimators=100", "--store", store, "--experiment", "while-serving"));
            AtomicInteger answered = new AtomicInteger();
            AtomicInteger duringTraining = new AtomicInteger();
            List<String> failures = new ArrayList<>();
            while (!training.isDone() || answered.get() < 20) {
                for (String path : List.of("/api/v1/sessions", "/api/v1/models/meters", "/api/v1/devices/3/runs")) {
                    HttpResponse<String> r = get(s.url() + path);
                    if (r.statusCode() != 200) {
                        failures.add(path + " " + r.statusCode() + " " + r.body());
                    }
                }
                HttpResponse<String> p = post(s.url() + "/api/v1/models/meters@prod/predict", PREDICT);
                if (p.statusCode() != 200) {
                    failures.add("predict " + p.statusCode() + " " + p.body());
                }
                answered.incrementAndGet();
                if (!training.isDone()) {
                    duringTraining.incrementAndGet();
                }
            }
            Cli trained = training.get(5, TimeUnit.MINUTES);
            assertEquals(0, trained.code(), trained.toString());
            assertEquals(List.of(), failures);
            assertTrue(duringTraining.get() >= 5, "requests answered while training wrote: " + duringTraining);
            JsonNode sessions = JSON.readTree(get(s.url() + "/api/v1/sessions?experiment=while-serving").body()).get("sessions");
            assertEquals(1, sessions.size(), "the new session is seen at once");
            assertEquals("FINISHED", sessions.get(0).get("status").asText());
        } finally {
            assertEquals(0, s.stop());
        }
    }
}
