package io.fleetml.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.fleetml.store.FleetStore;
import io.fleetml.store.SessionRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The server over a store trained through the real engine, by real HTTP: sessions {@code a} (labels as they are) and
 * {@code b} (labels + 1000), both with a fleet stack, registered as versions 1 and 2 of {@code fleet}; {@code plain}
 * (device models only) as {@code plain/1}; and a session of integer device ids.
 */
class FleetServerTest {
    static final int DEVICES = 20;
    @TempDir
    static Path dir;
    static FleetStore store;
    static FleetServer server;
    static Http http;
    static SessionRecord a;
    static SessionRecord b;
    static SessionRecord plain;
    static SessionRecord integers;

    @BeforeAll
    static void trainRegisterServe() {
        store = FleetStore.open(dir.resolve("store"));
        a = ServedStore.train(store, ServedStore.fleet(dir.resolve("a.csv"), DEVICES, 30, 0, false, 1), true);
        b = ServedStore.train(store, ServedStore.fleet(dir.resolve("b.csv"), DEVICES, 30, 1000, false, 2), true);
        plain = ServedStore.train(store, ServedStore.fleet(dir.resolve("c.csv"), DEVICES, 30, 0, false, 3), false);
        integers = ServedStore.train(store, ServedStore.fleet(dir.resolve("d.csv"), 5, 30, 0, true, 4), false);
        store.tracking().registry().register("fleet", a.id(), "prod", "labels as they are", "test");
        store.tracking().registry().register("fleet", b.id(), null, "labels + 1000", "test");
        store.tracking().registry().register("plain", plain.id(), "prod", null, "test");
        server = FleetServer.start(store, ServerConfig.local());
        http = new Http(server.url());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (store != null) {
            store.close();
        }
    }

    /** What batch scoring predicts for one row of {@code device} with {@code session}'s chosen model. */
    static double batch(SessionRecord session, String device, double x1, double x2) {
        io.fleetml.resolve.SessionModels models = io.fleetml.resolve.SessionModels.of(session, store.tracking());
        try (io.fleetml.score.DeviceScoring scoring = new io.fleetml.score.DeviceScoring(models, store.artifacts())) {
            io.fleetml.data.DeviceFrame frame = new io.fleetml.data.DeviceFrame(device, ServedStore.FEATURES,
                    new double[][] {{x1}, {x2}}, null, new long[] {0});
            return scoring.score(frame).predictions()[0];
        }
    }

    static String rows(String... rows) {
        return "{\"rows\": [" + String.join(",", rows) + "]}";
    }

    static String row(String device, double x1, double x2) {
        return "{\"device_id\": \"" + device + "\", \"x1\": " + x1 + ", \"x2\": " + x2 + "}";
    }

    @Test
    void aFleetSessionCountsTheDevicesChoosingEachModel() {
        Http.Answer r = http.get("/api/v1/sessions/" + a.id() + "/counts");
        assertEquals(200, r.status(), r.toString());
        JsonNode chosen = r.json().get("chosen");
        long total = 0;
        for (java.util.Iterator<java.util.Map.Entry<String, JsonNode>> it = chosen.fields(); it.hasNext(); ) {
            java.util.Map.Entry<String, JsonNode> e = it.next();
            assertTrue(Set.of("device", "fleet", "stack", "hierarchical", "none").contains(e.getKey()), e.getKey());
            total += e.getValue().asLong();
        }
        assertEquals(DEVICES, total, "every device chose one: " + chosen);
        assertEquals(store.tracking().devices(a.id(), io.fleetml.store.DeviceQuery.ALL).stream()
                .filter(o -> o.fleet() != null && o.fleet().chosen() == io.fleetml.resolve.ModelKind.STACK).count(),
                chosen.path("stack").asLong(0));
    }

    @Test
    void healthAndListening() {
        assertTrue(server.url().startsWith("http://127.0.0.1:"), server.url());
        Http.Answer h = http.get("/health");
        assertEquals(200, h.status());
        assertEquals("ok", h.json().get("status").asText());
    }

    @Test
    void predictsByAliasAndByVersion() {
        Http.Answer byAlias = http.post("/api/v1/models/fleet@prod/predict", rows(row("dev-1", 0.5, 0.5)));
        assertEquals(200, byAlias.status(), byAlias.toString());
        assertEquals("fleet", byAlias.json().get("model").asText());
        assertEquals(1, byAlias.json().get("version").asInt());
        JsonNode p = byAlias.json().get("predictions").get(0);
        assertEquals("dev-1", p.get("device").asText());
        assertTrue(Math.abs(p.get("prediction").asDouble() - 0.5) < 3, byAlias.toString());
        assertTrue(Set.of("device", "fleet", "hierarchical", "stack").contains(p.get("model").asText()), byAlias.toString());

        Http.Answer byVersion = http.post("/api/v1/models/fleet/versions/2/predict", rows(row("dev-1", 0.5, 0.5)));
        assertEquals(200, byVersion.status(), byVersion.toString());
        assertEquals(2, byVersion.json().get("version").asInt());
        assertTrue(Math.abs(byVersion.json().get("predictions").get(0).get("prediction").asDouble() - 1000.5) < 3, byVersion.toString());

        Http.Answer latest = http.post("/api/v1/models/fleet/predict", rows(row("dev-1", 0.5, 0.5)));
        assertEquals(2, latest.json().get("version").asInt(), "a name alone is its latest version");

        // a device model answers as batch scoring does
        Http.Answer device = http.post("/api/v1/models/plain@prod/predict", rows(row("dev-3", 0.25, 0.75)));
        JsonNode d = device.json().get("predictions").get(0);
        assertEquals("device", d.get("model").asText());
        assertEquals(batch(plain, "dev-3", 0.25, 0.75), d.get("prediction").asDouble(), 1e-9);
    }

    @Test
    void manyDevicesInOneRequestKeepTheirOrder() {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 3 * DEVICES; i++) {
            many.add(row("dev-" + (i % DEVICES), (i % 7) / 7.0, (i % 5) / 5.0));
        }
        Http.Answer all = http.post("/api/v1/models/plain/versions/1/predict", rows(many.toArray(String[]::new)));
        assertEquals(200, all.status(), all.toString());
        JsonNode predictions = all.json().get("predictions");
        assertEquals(3 * DEVICES, predictions.size());
        for (int i = 0; i < predictions.size(); i++) {
            int d = i % DEVICES;
            assertEquals("dev-" + d, predictions.get(i).get("device").asText());
            assertEquals(batch(plain, "dev-" + d, (i % 7) / 7.0, (i % 5) / 5.0), predictions.get(i).get("prediction").asDouble(), 1e-9, "row " + i);
        }
        // the same rows one at a time give the same predictions
        Http.Answer one = http.post("/api/v1/models/plain/versions/1/predict", rows(many.get(17)));
        assertEquals(predictions.get(17).get("prediction").asDouble(), one.json().get("predictions").get(0).get("prediction").asDouble(), 1e-12);
    }

    @Test
    void anUnknownDeviceGetsTheFleetModelWhenThereIsOne() {
        Http.Answer a = http.post("/api/v1/models/fleet@prod/predict", rows(row("joined-yesterday", 0.5, 0.5), row("dev-2", 0.5, 0.5)));
        assertEquals(200, a.status(), a.toString());
        assertEquals("fleet", a.json().get("predictions").get(0).get("model").asText());
        assertTrue(Double.isFinite(a.json().get("predictions").get(0).get("prediction").asDouble()));

        Http.Answer none = http.post("/api/v1/models/plain@prod/predict", rows(row("dev-2", 0.5, 0.5), row("joined-yesterday", 0.5, 0.5)));
        assertEquals(404, none.status(), none.toString());
        assertEquals("NOT_FOUND", none.errorCode());
        assertTrue(none.errorMessage().contains("joined-yesterday"), none.toString());
    }

    @Test
    void badRowsAre400NamingTheRowAndTheFeature() {
        Http.Answer missing = http.post("/api/v1/models/plain@prod/predict",
                rows(row("dev-1", 0.1, 0.2), "{\"device_id\": \"dev-1\", \"x1\": 0.3}"));
        assertEquals(400, missing.status(), missing.toString());
        assertEquals("BAD_REQUEST", missing.errorCode());
        assertTrue(missing.errorMessage().contains("row 1") && missing.errorMessage().contains("'x2'"), missing.toString());

        Http.Answer text = http.post("/api/v1/models/plain@prod/predict", rows("{\"device_id\": \"dev-1\", \"x1\": \"high\", \"x2\": 0.1}"));
        assertEquals(400, text.status(), text.toString());
        assertTrue(text.errorMessage().contains("row 0") && text.errorMessage().contains("'x1'"), text.toString());

        Http.Answer noDevice = http.post("/api/v1/models/plain@prod/predict", rows("{\"x1\": 0.1, \"x2\": 0.1}"));
        assertEquals(400, noDevice.status(), noDevice.toString());
        assertTrue(noDevice.errorMessage().contains("device"), noDevice.toString());
        Http.Answer emptyDevice = http.post("/api/v1/models/plain@prod/predict", rows("{\"device_id\": \"\", \"x1\": 0.1, \"x2\": 0.1}"));
        assertEquals(400, emptyDevice.status(), emptyDevice.toString());

        for (String body : List.of("", "[]", "{\"rows\": 3}", "{\"rows\": [1]}", "{not json", "{}")) {
            Http.Answer bad = http.post("/api/v1/models/plain@prod/predict", body);
            assertEquals(400, bad.status(), body + " -> " + bad);
            assertEquals("BAD_REQUEST", bad.errorCode());
        }
    }

    @Test
    void aNullFeatureIsAMissingValue() {
        String nullX2 = "{\"device_id\": \"dev-1\", \"x1\": 0.5, \"x2\": null}";
        // a linear device model cannot take a missing feature: no prediction for the row, not an error
        Http.Answer linear = http.post("/api/v1/models/plain@prod/predict", rows(nullX2, row("dev-1", 0.5, 0.5)));
        assertEquals(200, linear.status(), linear.toString());
        assertTrue(linear.json().get("predictions").get(0).get("prediction").isNull(), linear.toString());
        assertTrue(linear.json().get("predictions").get(1).get("prediction").isNumber(), linear.toString());
        // a fleet session's boosted fleet model takes it (and a stack falls back to it)
        Http.Answer fleet = http.post("/api/v1/models/fleet@prod/predict", rows(nullX2.replace("dev-1", "someone-new")));
        assertEquals(200, fleet.status(), fleet.toString());
        assertTrue(fleet.json().get("predictions").get(0).get("prediction").isNumber(), fleet.toString());
    }

    @Test
    void unknownModelsVersionsAndAliasesAre404() {
        assertEquals("NOT_FOUND", http.post("/api/v1/models/nobody@prod/predict", rows(row("dev-1", 0, 0))).errorCode());
        assertEquals("NOT_FOUND", http.post("/api/v1/models/fleet@nobody/predict", rows(row("dev-1", 0, 0))).errorCode());
        assertEquals("NOT_FOUND", http.post("/api/v1/models/fleet/versions/99/predict", rows(row("dev-1", 0, 0))).errorCode());
        assertEquals("BAD_REQUEST", http.post("/api/v1/models/fleet/versions/zero/predict", rows(row("dev-1", 0, 0))).errorCode());
        assertEquals("NOT_FOUND", http.get("/api/v1/models/nobody").errorCode());
        assertEquals("NOT_FOUND", http.get("/api/v1/no/such/route").errorCode());
    }

    /** Moving an alias under load: no request fails, and each response is wholly from the version it names. */
    @Test
    void movingAnAliasUnderLoadNeverMixesVersions() throws Exception {
        store.tracking().registry().setAlias("fleet", "live", 1);
        String body = rows(row("dev-1", 0.5, 0.5), row("dev-7", 0.2, 0.9), row("someone-new", 0.4, 0.4), row("dev-12", 0.9, 0.1));
        AtomicBoolean go = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<int[]>> clients = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            clients.add(pool.submit(() -> {
                int[] seen = new int[3];
                while (go.get()) {
                    Http.Answer r = http.post("/api/v1/models/fleet@live/predict", body);
                    assertEquals(200, r.status(), r.toString());
                    int version = r.json().get("version").asInt();
                    seen[version]++;
                    for (JsonNode p : r.json().get("predictions")) {
                        double v = p.get("prediction").asDouble();
                        assertTrue(version == 1 ? v < 500 : v > 500, "version " + version + " answered " + r);
                    }
                }
                return seen;
            }));
        }
        for (int i = 0; i < 20; i++) {
            Thread.sleep(25);
            store.tracking().registry().setAlias("fleet", "live", i % 2 == 0 ? 2 : 1);
        }
        go.set(false);
        int[] total = new int[3];
        for (Future<int[]> f : clients) {
            int[] seen = f.get(60, TimeUnit.SECONDS);
            total[1] += seen[1];
            total[2] += seen[2];
        }
        pool.shutdown();
        assertTrue(total[1] > 0 && total[2] > 0, "both versions answered: " + total[1] + " and " + total[2]);
    }

    /** An alias moved through another handle on the store (as the CLI in another process does) changes the next request. */
    @Test
    void anAliasMovedElsewhereTakesEffectAtOnce() {
        try (FleetStore other = FleetStore.openExisting(dir.resolve("store"))) {
            other.tracking().registry().setAlias("fleet", "elsewhere", 1);
            assertEquals(1, http.post("/api/v1/models/fleet@elsewhere/predict", rows(row("dev-1", 0.5, 0.5))).json().get("version").asInt());
            other.tracking().registry().setAlias("fleet", "elsewhere", 2);
            Http.Answer moved = http.post("/api/v1/models/fleet@elsewhere/predict", rows(row("dev-1", 0.5, 0.5)));
            assertEquals(2, moved.json().get("version").asInt(), moved.toString());
            assertTrue(moved.json().get("predictions").get(0).get("prediction").asDouble() > 500, moved.toString());
            other.tracking().registry().deleteAlias("fleet", "elsewhere");
            assertEquals(404, http.post("/api/v1/models/fleet@elsewhere/predict", rows(row("dev-1", 0.5, 0.5))).status());
        }
    }

    @Test
    void sessionsAndPagedDevices() {
        Http.Answer sessions = http.get("/api/v1/sessions");
        assertEquals(200, sessions.status());
        assertEquals(4, sessions.json().get("sessions").size());
        assertEquals(4, http.get("/api/v1/sessions?experiment=serve-test").json().get("sessions").size());
        assertEquals(0, http.get("/api/v1/sessions?experiment=other").json().get("sessions").size());
        Http.Answer one = http.get("/api/v1/sessions/" + a.id());
        assertEquals(a.id(), one.json().get("session_id").asText());
        assertEquals("stack", one.json().get("fleet").get("mode").asText());
        assertEquals("NOT_FOUND", http.get("/api/v1/sessions/nope").errorCode());

        for (String sort : List.of("device", "mse", "r2")) {
            Set<String> seen = new HashSet<>();
            String token = null;
            int pages = 0;
            do {
                Http.Answer page = http.get("/api/v1/sessions/" + a.id() + "/devices?page_size=7&sort=" + sort
                        + (token == null ? "" : "&page_token=" + token));
                assertEquals(200, page.status(), page.toString());
                assertEquals(DEVICES, page.json().get("total").asInt());
                for (JsonNode d : page.json().get("devices")) {
                    assertTrue(seen.add(d.get("device_id").asText()), "each device once: " + d);
                }
                token = page.json().get("next_page_token").isNull() ? null : page.json().get("next_page_token").asText();
                pages++;
            } while (token != null);
            assertEquals(DEVICES, seen.size(), sort);
            assertEquals(3, pages, sort);
        }
        assertEquals(DEVICES, http.get("/api/v1/sessions/" + a.id() + "/devices?status=OK&page_size=1000").json().get("devices").size());
        assertEquals(0, http.get("/api/v1/sessions/" + a.id() + "/devices?status=FAILED,SKIPPED").json().get("devices").size());
        assertEquals("BAD_REQUEST", http.get("/api/v1/sessions/" + a.id() + "/devices?status=GOOD").errorCode());
        assertEquals("BAD_REQUEST", http.get("/api/v1/sessions/" + a.id() + "/devices?sort=color").errorCode());
        assertEquals("BAD_REQUEST", http.get("/api/v1/sessions/" + a.id() + "/devices?page_size=1001").errorCode());
        assertEquals("BAD_REQUEST", http.get("/api/v1/sessions/" + a.id() + "/devices?page_token=garbage!").errorCode());
        assertEquals("NOT_FOUND", http.get("/api/v1/sessions/nope/devices").errorCode());
    }

    @Test
    void aDevicesRunsAcrossSessionsNewestFirst() {
        Http.Answer runs = http.get("/api/v1/devices/dev-3/runs");
        assertEquals(200, runs.status(), runs.toString());
        List<String> sessions = new ArrayList<>();
        runs.json().get("runs").forEach(r -> sessions.add(r.get("session_id").asText()));
        assertEquals(List.of(plain.id(), b.id(), a.id()), sessions);
        JsonNode newest = runs.json().get("runs").get(0);
        assertEquals("OK", newest.get("status").asText());
        assertTrue(newest.get("mse").isNumber() && newest.has("started_at") && newest.has("session_status"), newest.toString());
        assertEquals(1, http.get("/api/v1/devices/dev-3/runs?limit=1").json().get("runs").size());

        // a session of integer ids keeps them as integers; the id in the URL finds them
        Http.Answer integer = http.get("/api/v1/devices/3/runs");
        assertEquals(1, integer.json().get("runs").size(), integer.toString());
        assertEquals(integers.id(), integer.json().get("runs").get(0).get("session_id").asText());
        assertEquals(0, http.get("/api/v1/devices/003/runs").json().get("runs").size());
        assertEquals(0, http.get("/api/v1/devices/nobody/runs").json().get("runs").size());
    }

    @Test
    void theRegistryReadAndWritten() {
        Http.Answer models = http.get("/api/v1/models");
        assertEquals(200, models.status());
        List<String> names = new ArrayList<>();
        models.json().get("models").forEach(m -> names.add(m.get("name").asText()));
        assertTrue(names.containsAll(List.of("fleet", "plain")), names.toString());

        Http.Answer v1 = http.get("/api/v1/models/fleet/versions/1");
        assertEquals(a.id(), v1.json().get("session_id").asText());
        JsonNode glance = v1.json().get("session");
        assertEquals(DEVICES, glance.get("devices_ok").asInt());
        assertEquals(0, glance.get("devices_failed").asInt());
        assertTrue(glance.get("mse_p50").isNumber() && glance.get("r2_p50").isNumber(), glance.toString());

        Http.Answer created = http.post("/api/v1/models/written/versions",
                "{\"session_id\": \"" + plain.id() + "\", \"alias\": \"staging\", \"description\": \"by the API\"}");
        assertEquals(201, created.status(), created.toString());
        assertEquals(1, created.json().get("version").asInt());
        assertEquals("staging", created.json().get("aliases").get(0).asText());
        assertEquals(2, http.post("/api/v1/models/written/versions", "{\"session_id\": \"" + a.id() + "\"}").json().get("version").asInt());

        Http.Answer moved = http.put("/api/v1/models/written/aliases/staging", "{\"version\": 2}");
        assertEquals(200, moved.status(), moved.toString());
        assertEquals(2, http.get("/api/v1/models/written").json().get("aliases").get("staging").asInt());
        assertEquals(2, http.post("/api/v1/models/written@staging/predict", rows(row("dev-1", 0, 0))).json().get("version").asInt());

        assertEquals(204, http.delete("/api/v1/models/written/aliases/staging").status());
        assertEquals("NOT_FOUND", http.post("/api/v1/models/written@staging/predict", rows(row("dev-1", 0, 0))).errorCode());
        assertEquals("NOT_FOUND", http.delete("/api/v1/models/written/aliases/staging").errorCode());
        assertEquals("NOT_FOUND", http.put("/api/v1/models/written/aliases/x", "{\"version\": 9}").errorCode());
        assertEquals("BAD_REQUEST", http.put("/api/v1/models/written/aliases/x", "{\"version\": \"two\"}").errorCode());
        assertEquals("NOT_FOUND", http.post("/api/v1/models/written/versions", "{\"session_id\": \"nope\"}").errorCode());
        assertEquals("BAD_REQUEST", http.post("/api/v1/models/written/versions", "{}").errorCode());
        // a registered session may not be deleted
        assertThrows(io.fleetml.store.StoreException.class, () -> store.delete(List.of(a.id())));
    }

    /** Names, aliases and device ids from URLs and bodies: refused, or only ever SQL parameters; never a file path. */
    @Test
    void hostileNamesAreRefusedInTheErrorShape() {
        String longName = "a".repeat(5000);
        for (String path : List.of("/api/v1/models/..%2F..%2Fetc", "/api/v1/models/..%2F..%2Fetc/versions/1",
                "/api/v1/models/%2E%2E", "/api/v1/models/m%C3%BC", "/api/v1/models/" + longName, "/api/v1/models/a%00b",
                "/api/v1/models/-x", "/api/v1/models/a%20b")) {
            Http.Answer r = http.get(path);
            assertTrue(r.status() == 400 || r.status() == 404, path + " -> " + r);
            r.errorCode();
            assertFalse(r.text().contains("Exception") || r.text().contains("\tat "), r.toString());
        }
        Http.Answer slash = http.get("/api/v1/models/a/b");
        assertEquals(404, slash.status(), slash.toString());
        slash.errorCode();
        for (String ref : List.of("..%2F..%2Fetc@prod", "fleet@..%2Fx", "fleet@", "@prod", "fleet@a@b", "fleet@" + longName)) {
            Http.Answer r = http.post("/api/v1/models/" + ref + "/predict", rows(row("dev-1", 0, 0)));
            assertTrue(r.status() == 400 || r.status() == 404, ref + " -> " + r);
            r.errorCode();
        }
        Http.Answer badAlias = http.post("/api/v1/models/fleet/versions", "{\"session_id\": \"" + a.id() + "\", \"alias\": \"../../x\"}");
        assertEquals(400, badAlias.status(), badAlias.toString());
        assertEquals(400, http.post("/api/v1/models/..%2Fx/versions", "{\"session_id\": \"" + a.id() + "\"}").status());
        assertEquals(400, http.put("/api/v1/models/fleet/aliases/%C3%BC", "{\"version\": 1}").status());
        // device ids are data: any text is looked up, and found nowhere
        for (String device : List.of("..%2F..%2Fetc%2Fpasswd", "%27%3B%20DROP%20TABLE%20device_runs%3B--", "%E2%9C%93", "x".repeat(3000))) {
            Http.Answer r = http.get("/api/v1/devices/" + device + "/runs");
            assertTrue(r.status() == 200 || r.status() == 400, device + " -> " + r);
            if (r.status() == 200) {
                assertEquals(0, r.json().get("runs").size());
            } else {
                r.errorCode();
            }
        }
        Http.Answer evil = http.post("/api/v1/models/fleet@prod/predict", rows(row("../../etc/passwd", 0.5, 0.5)));
        assertEquals("fleet", evil.json().get("predictions").get(0).get("model").asText(), "an unknown device: " + evil);
        assertEquals(3, http.get("/api/v1/devices/dev-3/runs").json().get("runs").size(), "the store is whole");
    }

    @Test
    void metricsCountRequestsAndTheModelCache() {
        http.post("/api/v1/models/plain@prod/predict", rows(row("dev-4", 0.5, 0.5)));
        http.post("/api/v1/models/plain@prod/predict", rows(row("dev-4", 0.5, 0.5)));
        Http.Answer m = http.get("/metrics");
        assertEquals(200, m.status());
        String text = m.text();
        assertTrue(text.contains("fleetml_http_requests_total{method=\"POST\",route=\"/api/v1/models/{ref}/predict\",status=\"200\"}"), text);
        assertTrue(text.contains("fleetml_http_request_duration_seconds_bucket{method=\"POST\",route=\"/api/v1/models/{ref}/predict\",le=\"+Inf\"}"), text);
        for (String name : List.of("fleetml_model_cache_hits_total", "fleetml_model_cache_misses_total", "fleetml_model_cache_loads_total",
                "fleetml_model_cache_load_seconds_total", "fleetml_model_cache_evictions_total", "fleetml_model_cache_models", "fleetml_predicted_rows_total")) {
            assertTrue(text.contains("\n" + name + " "), name + " in " + text);
        }
        assertTrue(server.cacheStats().hits() >= 1 && server.cacheStats().loads() >= 1, server.cacheStats().toString());
        assertFalse(text.contains("dev-4"), "device ids are no labels");
    }

    @Test
    void theOpenApiDescriptionNamesEveryRoute() {
        Http.Answer o = http.get("/api/v1/openapi.json");
        assertEquals(200, o.status());
        assertTrue(o.json().get("openapi").asText().startsWith("3."), o.toString());
        JsonNode paths = o.json().get("paths");
        for (String p : List.of("/health", "/metrics", "/api/v1/sessions", "/api/v1/sessions/{id}", "/api/v1/sessions/{id}/devices",
                "/api/v1/devices/{deviceId}/runs", "/api/v1/models", "/api/v1/models/{name}", "/api/v1/models/{name}/versions",
                "/api/v1/models/{name}/versions/{version}", "/api/v1/models/{name}/aliases/{alias}", "/api/v1/models/{ref}/predict",
                "/api/v1/models/{name}/versions/{version}/predict", "/api/v1/sessions/{id}/counts", "/api/v1/sessions/{id}/histogram",
                "/api/v1/sessions/{id}/scatter", "/api/v1/sessions/{id}/failures", "/api/v1/compare", "/api/v1/compare/worse",
                "/api/v1/compare/devices", "/api/v1/devices/{deviceId}/model", "/api/v1/devices/{deviceId}/aliases")) {
            assertTrue(paths.has(p), p);
        }
    }
}
