package io.fleetml.server;

import io.fleetml.store.FleetStore;
import io.fleetml.store.SessionRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Bearer tokens for writes and for reads, and the bounds on a request: each refused in the error shape. */
class AuthAndLimitsTest {
    static final String TOKEN = "s3cret-token";
    @TempDir
    static Path dir;
    static FleetStore store;
    static SessionRecord session;

    @BeforeAll
    static void trainAndRegister() {
        store = FleetStore.open(dir.resolve("store"));
        session = ServedStore.train(store, ServedStore.fleet(dir.resolve("a.csv"), 5, 20, 0, false, 1), false);
        store.tracking().registry().register("m", session.id(), "prod", null, "test");
    }

    @AfterAll
    static void close() {
        store.close();
    }

    static String predictBody() {
        return "{\"rows\": [{\"device_id\": \"dev-1\", \"x1\": 0.5, \"x2\": 0.5}]}";
    }

    @Test
    void withATokenWritesNeedItAndReadsDoNot() {
        try (FleetServer server = FleetServer.start(store, ServerConfig.local().withToken(TOKEN, false))) {
            Http anonymous = new Http(server.url());
            Http wrong = anonymous.withToken("not-it");
            Http right = anonymous.withToken(TOKEN);
            String register = "{\"session_id\": \"" + session.id() + "\"}";

            for (Http h : List.of(anonymous, wrong)) {
                Http.Answer post = h.post("/api/v1/models/m/versions", register);
                assertEquals(401, post.status(), post.toString());
                assertEquals("UNAUTHORIZED", post.errorCode());
                assertEquals(401, h.put("/api/v1/models/m/aliases/x", "{\"version\": 1}").status());
                assertEquals(401, h.delete("/api/v1/models/m/aliases/prod").status());
                // reads and predictions need none
                assertEquals(200, h.get("/api/v1/models").status());
                assertEquals(200, h.get("/api/v1/sessions").status());
                assertEquals(200, h.post("/api/v1/models/m@prod/predict", predictBody()).status());
            }
            assertEquals(1, store.tracking().registry().model("m").versions().size(), "nothing was written");

            assertEquals(201, right.post("/api/v1/models/m/versions", register).status());
            assertEquals(200, right.put("/api/v1/models/m/aliases/x", "{\"version\": 2}").status());
            assertEquals(204, right.delete("/api/v1/models/m/aliases/x").status());
            // the scheme's name is case-insensitive; the token is not
            Http.Answer lower = anonymous.send(HttpRequest.newBuilder(URI.create(server.url() + "/api/v1/models/m/aliases/prod"))
                    .header("Authorization", "bearer " + TOKEN).PUT(HttpRequest.BodyPublishers.ofString("{\"version\": 1}")));
            assertEquals(200, lower.status(), lower.toString());
            Http.Answer upper = anonymous.withToken(TOKEN.toUpperCase()).put("/api/v1/models/m/aliases/prod", "{\"version\": 1}");
            assertEquals(401, upper.status(), upper + " " + anonymous.withToken(TOKEN.toUpperCase()));
        }
    }

    @Test
    void withTokenReadsEveryRouteButHealthNeedsIt() {
        try (FleetServer server = FleetServer.start(store, ServerConfig.local().withToken(TOKEN, true))) {
            Http anonymous = new Http(server.url());
            Http right = anonymous.withToken(TOKEN);
            assertEquals(200, anonymous.get("/health").status());
            for (String path : List.of("/api/v1/models", "/api/v1/sessions", "/api/v1/sessions/" + session.id() + "/devices",
                    "/api/v1/devices/dev-1/runs", "/metrics", "/api/v1/openapi.json")) {
                Http.Answer refused = anonymous.get(path);
                assertEquals(401, refused.status(), path + " " + refused);
                assertEquals("UNAUTHORIZED", refused.errorCode());
                assertEquals(200, right.get(path).status(), path);
            }
            assertEquals(401, anonymous.post("/api/v1/models/m@prod/predict", predictBody()).status());
            assertEquals(200, right.post("/api/v1/models/m@prod/predict", predictBody()).status());
            assertTrue(right.get("/metrics").text().contains("{method=\"POST\",route=\"/api/v1/models/{ref}/predict\",status=\"401\"} 1"),
                    "refusals are counted by route");
        }
    }

    @Test
    void aBodyOverTheLimitOrTooManyRowsIs413() {
        try (FleetServer server = FleetServer.start(store, ServerConfig.local().withLimits(64L << 20, 4096, 50))) {
            Http http = new Http(server.url());
            List<String> rows = new ArrayList<>();
            for (int i = 0; i < 51; i++) {
                rows.add("{\"device_id\": \"dev-1\", \"x1\": 0.5, \"x2\": 0.5}");
            }
            Http.Answer many = http.post("/api/v1/models/m@prod/predict", "{\"rows\": [" + String.join(",", rows) + "]}");
            assertEquals(413, many.status(), many.toString());
            assertEquals("PAYLOAD_TOO_LARGE", many.errorCode());
            assertTrue(many.errorMessage().contains("50 rows"), many.toString());
            assertEquals(200, http.post("/api/v1/models/m@prod/predict", "{\"rows\": [" + String.join(",", rows.subList(0, 50)) + "]}").status());

            String big = "{\"rows\": [], \"padding\": \"" + "x".repeat(10_000) + "\"}";
            Http.Answer large = http.post("/api/v1/models/m@prod/predict", big);
            assertEquals(413, large.status(), large.toString());
            assertEquals("PAYLOAD_TOO_LARGE", large.errorCode());
            // without a Content-Length (chunked), the body is still bounded as it is read
            Http.Answer chunked = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/api/v1/models/m@prod/predict"))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big.getBytes()))));
            assertEquals(413, chunked.status(), chunked.toString());
            assertEquals("PAYLOAD_TOO_LARGE", chunked.errorCode());
            assertEquals(200, http.get("/health").status(), "the server goes on");
        }
    }

    @Test
    void theDefaultLimitOf100000RowsHolds() {
        try (FleetServer server = FleetServer.start(store, ServerConfig.local())) {
            StringBuilder body = new StringBuilder("{\"rows\": [");
            for (int i = 0; i <= 100_000; i++) {
                body.append(i == 0 ? "" : ",").append("{\"device_id\":\"dev-").append(i % 5).append("\",\"x1\":0.5,\"x2\":0.5}");
            }
            Http.Answer r = new Http(server.url()).post("/api/v1/models/m@prod/predict", body.append("]}").toString());
            assertEquals(413, r.status(), r.toString());
            assertEquals("PAYLOAD_TOO_LARGE", r.errorCode());
        }
    }

    /** A request still sending its body when the server is told to stop is answered; then the server stops. */
    @Test
    void stoppingLetsARequestInFlightFinish() throws Exception {
        FleetServer server = FleetServer.start(store, ServerConfig.local());
        String url = server.url();
        byte[] body = predictBody().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            java.io.OutputStream out = socket.getOutputStream();
            out.write(("POST /api/v1/models/m@prod/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.write(body, 0, 10);
            out.flush();
            Thread.sleep(300); // the server is reading the body
            java.util.concurrent.CompletableFuture<Void> closing = java.util.concurrent.CompletableFuture.runAsync(server::close);
            Thread.sleep(500);
            assertFalse(closing.isDone(), "stopping waits for the request in flight");
            out.write(body, 10, body.length - 10);
            out.flush();
            String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            assertTrue(answer.contains("\"predictions\":[{\"device\":\"dev-1\""), answer);
            closing.get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
        assertThrows(java.io.UncheckedIOException.class, () -> new Http(url).get("/health"), "stopped");
    }

    @Test
    void aServerStopsAndItsPortIsFree() {
        FleetServer server = FleetServer.start(store, ServerConfig.local());
        int port = server.port();
        assertTrue(port > 0);
        server.close();
        server.close();
        try (FleetServer again = FleetServer.start(store, ServerConfig.local().listening(ServerConfig.LOCALHOST, port))) {
            assertEquals(port, again.port());
            assertEquals(200, new Http(again.url()).get("/health").status());
        }
    }
}
