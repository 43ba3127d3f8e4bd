package io.fleetml.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.fleetml.store.FleetStore;
import io.fleetml.store.SessionRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The dashboard's API by real HTTP over sessions trained through the engine: {@code a}, and {@code b} where dev-7's
 * labels are noise (made worse on purpose), dev-29 is gone and dev-new joined; both have two devices with too few
 * rows to train. {@code b} is {@code pumps/1}, alias {@code champion}.
 */
class StatsApiTest {
    static final int DEVICES = 30;
    @TempDir
    static Path dir;
    static FleetStore store;
    static FleetServer server;
    static Http http;
    static SessionRecord a;
    static SessionRecord b;

    @BeforeAll
    static void trainAndServe() throws IOException {
        store = FleetStore.open(dir.resolve("store"));
        Path first = ServedStore.fleet(dir.resolve("a.csv"), DEVICES, 40, 0, false, 1);
        Files.writeString(first, "short-1,0.1,0.2,1\nshort-1,0.3,0.1,2\nshort-2,0.5,0.5,3\n", java.nio.file.StandardOpenOption.APPEND);
        a = ServedStore.train(store, first, false);
        List<String> lines = new ArrayList<>();
        java.util.SplittableRandom r = new java.util.SplittableRandom(9);
        for (String line : Files.readAllLines(first)) {
            if (line.startsWith("dev-29,")) {
                continue;
            }
            if (line.startsWith("dev-7,")) {
                String[] f = line.split(",");
                line = f[0] + "," + f[1] + "," + f[2] + "," + (r.nextDouble() * 40 - 20);
            }
            lines.add(line);
        }
        for (int i = 0; i < 40; i++) {
            lines.add("dev-new," + r.nextDouble() + "," + r.nextDouble() + "," + r.nextDouble());
        }
        b = ServedStore.train(store, Files.write(dir.resolve("b.csv"), lines), false);
        store.tracking().registry().register("pumps", b.id(), "champion", null, "test");
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

    static JsonNode ok(String path) {
        Http.Answer r = http.get(path);
        assertEquals(200, r.status(), path + ": " + r);
        return r.json();
    }

    static List<String> ids(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.isTextual() ? n.asText() : n.get("device_id").asText()));
        return out;
    }

    @Test
    void countsHistogramsAndScatterAccountForEveryDevice() {
        JsonNode counts = ok("/api/v1/sessions/" + a.id() + "/counts");
        long failedOrSkipped = counts.get("status").get("FAILED").asLong() + counts.get("status").get("SKIPPED").asLong();
        assertEquals(DEVICES, counts.get("status").get("OK").asLong());
        assertEquals(2, failedOrSkipped);
        assertEquals(DEVICES + 2, counts.get("recorded").asLong());
        assertTrue(counts.get("chosen").isNull(), "no fleet models");
        for (String metric : List.of("r2", "mse")) {
            JsonNode h = ok("/api/v1/sessions/" + a.id() + "/histogram?metric=" + metric + "&bins=12");
            assertEquals(12, h.get("bins").size());
            long inBins = 0;
            for (JsonNode bin : h.get("bins")) {
                inBins += bin.get("count").asLong();
                assertTrue(bin.get("hi").asDouble() > bin.get("lo").asDouble());
            }
            assertEquals(DEVICES, inBins + h.get("below").asLong() + h.get("above").asLong(), metric);
            assertEquals(DEVICES, h.get("devices").asLong());
            assertEquals(2, h.get("missing").asLong());
            assertEquals(metric.equals("mse") ? "log" : "linear", h.get("scale").asText());

            JsonNode s = ok("/api/v1/sessions/" + a.id() + "/scatter?metric=" + metric + "&x_bins=10&y_bins=8&worst=3");
            assertEquals(11, s.get("x_edges").size());
            assertEquals(9, s.get("y_edges").size());
            long cells = 0;
            for (JsonNode c : s.get("cells")) {
                cells += c.get(2).asLong();
            }
            assertEquals(DEVICES, cells, "every device in one cell");
            assertEquals(3, s.get("worst").size());
        }
    }

    @Test
    void failuresAreGroupedWithExampleDevices() {
        JsonNode f = ok("/api/v1/sessions/" + a.id() + "/failures");
        assertEquals(2, f.get("failed").asLong() + f.get("skipped").asLong());
        long grouped = 0;
        List<String> examples = new ArrayList<>();
        for (JsonNode g : f.get("groups")) {
            grouped += g.get("count").asLong();
            examples.addAll(ids(g.get("examples")));
            assertFalse(g.get("reason").asText().matches(".*\\d.*"), "numbers are set aside: " + g.get("reason"));
            assertFalse(g.get("example_error").asText().isEmpty());
        }
        assertEquals(2, grouped);
        assertEquals(List.of("short-1", "short-2"), examples.stream().sorted().toList());
    }

    @Test
    void comparisonRanksTheDeviceMadeWorseFirstAndListsAddedAndLost() {
        for (String metric : List.of("mse", "r2")) {
            JsonNode c = ok("/api/v1/compare?a=" + a.id() + "&b=" + b.id() + "&metric=" + metric);
            assertEquals(DEVICES - 1 + 2, c.get("common").asLong(), "dev-29 is lost; the short devices are in both");
            assertEquals(1, c.get("added").asLong());
            assertEquals(1, c.get("lost").asLong());
            assertTrue(c.get("worse").asLong() >= 1);
            JsonNode worse = ok("/api/v1/compare/worse?a=" + a.id() + "&b=" + b.id() + "&metric=" + metric + "&page_size=2");
            assertEquals("dev-7", worse.get("devices").get(0).get("device_id").asText(), metric + ": " + worse);
            if (c.get("worse").asLong() > 2) {
                assertFalse(worse.get("next_page_token").isNull());
            }
        }
        assertEquals(List.of("dev-new"), ids(ok("/api/v1/compare/devices?a=" + a.id() + "&b=" + b.id() + "&side=added").get("devices")));
        assertEquals(List.of("dev-29"), ids(ok("/api/v1/compare/devices?a=" + a.id() + "&b=" + b.id() + "&side=lost").get("devices")));
    }

    @Test
    void aDevicesModelShowsItsCoefficientsAndWhatAnswersUnderEachAlias() {
        JsonNode m = ok("/api/v1/devices/dev-3/model?session=" + a.id());
        assertEquals("linear", m.get("algorithm").asText());
        assertEquals("coefficient", m.get("importance_kind").asText());
        // y = d + 2·x1 − 3·x2 (the ridge penalty shrinks both a little): x2 weighs most, against y
        assertEquals("x2", m.get("importances").get(0).get("feature").asText());
        assertTrue(m.get("importances").get(0).get("value").asDouble() < -1.5, m.toString());
        assertEquals("x1", m.get("importances").get(1).get("feature").asText());
        assertTrue(m.get("importances").get(1).get("value").asDouble() > 1, m.toString());
        assertEquals(b.id(), ok("/api/v1/devices/dev-3/model").get("session_id").asText(), "the newest session by default");
        assertTrue(ok("/api/v1/devices/short-1/model?session=" + a.id()).get("importances").isNull(), "no model, no importances");

        JsonNode aliases = ok("/api/v1/devices/dev-3/aliases").get("aliases");
        assertEquals(1, aliases.size());
        assertEquals("champion", aliases.get(0).get("alias").asText());
        assertEquals("device", aliases.get(0).get("answers").asText());
        assertEquals("device/pumps/1", aliases.get(0).get("model_name").asText());
        assertTrue(ok("/api/v1/devices/dev-29/aliases").get("aliases").get(0).get("answers").isNull(), "pumps/1 has no model for dev-29");
    }

    @Test
    void aDevicesModelWhosePackIsGoneStillShowsWhatTheStoreKnows() throws IOException {
        SessionRecord c = ServedStore.train(store, ServedStore.fleet(dir.resolve("c.csv"), 3, 30, 0, false, 5), false);
        Path packs = Path.of(java.net.URI.create(c.artifactRoot()));
        try (java.util.stream.Stream<Path> files = Files.walk(packs)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.delete(f);
            }
        }
        JsonNode m = ok("/api/v1/devices/dev-1/model?session=" + c.id());
        assertEquals("linear", m.get("algorithm").asText());
        assertTrue(m.get("importances").isNull());
        assertTrue(m.get("importances_unavailable").asText().startsWith("cannot read the model"), m.toString());
    }

    @Test
    void theDeviceTableSearchesByDeviceId() {
        JsonNode page = ok("/api/v1/sessions/" + a.id() + "/devices?q=dev-1&sort=r2&page_size=5");
        assertEquals(11, page.get("total").asLong(), "dev-1 and dev-10 … dev-19");
        assertEquals(5, page.get("devices").size());
        assertTrue(ids(page.get("devices")).stream().allMatch(d -> d.contains("dev-1")));
        assertEquals(0, ok("/api/v1/sessions/" + a.id() + "/devices?q=%27%20OR%201=1%20--").get("total").asLong(), "the text is a parameter");
        JsonNode worst = ok("/api/v1/sessions/" + a.id() + "/devices?sort=r2&page_size=1").get("devices").get(0);
        JsonNode best = ok("/api/v1/sessions/" + a.id() + "/devices?sort=r2&reverse=true&page_size=1").get("devices").get(0);
        assertTrue(best.get("r2").asDouble() > worst.get("r2").asDouble(), best + " vs " + worst);
        assertEquals(400, http.get("/api/v1/sessions/" + a.id() + "/devices?reverse=maybe").status());
        // page N directly, as a shared link has it: the same rows as following the tokens there
        String first = "/api/v1/sessions/" + a.id() + "/devices?sort=mse&page_size=4";
        JsonNode second = ok(first + "&page_token=" + ok(first).get("next_page_token").asText());
        assertEquals(ids(second.get("devices")), ids(ok(first + "&page=2").get("devices")));
        assertEquals(400, http.get(first + "&page=0").status());
    }

    @Test
    void aFinishedSessionHasNoProgress() {
        assertTrue(ok("/api/v1/sessions/" + a.id()).get("progress").isNull());
        for (JsonNode s : ok("/api/v1/sessions").get("sessions")) {
            assertTrue(s.has("progress"));
        }
    }

    @Test
    void badParametersAndUnknownSessionsAreNamed() {
        Http.Answer bad = http.get("/api/v1/sessions/" + a.id() + "/histogram?metric=rmse");
        assertEquals(400, bad.status());
        assertTrue(bad.errorMessage().contains("mse or r2"), bad.toString());
        assertEquals(400, http.get("/api/v1/sessions/" + a.id() + "/histogram?bins=0").status());
        assertEquals(400, http.get("/api/v1/sessions/" + a.id() + "/scatter?x_bins=100000").status());
        Http.Answer unknown = http.get("/api/v1/sessions/nope/counts");
        assertEquals(404, unknown.status());
        assertEquals("NOT_FOUND", unknown.errorCode());
        assertEquals(400, http.get("/api/v1/compare?a=" + a.id()).status());
        assertEquals(404, http.get("/api/v1/compare?a=" + a.id() + "&b=nope").status());
        assertEquals(400, http.get("/api/v1/compare/devices?a=" + a.id() + "&b=" + b.id() + "&side=both").status());
        assertEquals(404, http.get("/api/v1/devices/nobody/model").status());
        assertEquals(404, http.get("/api/v1/devices/dev-3/model?session=nope").status());
        assertEquals(List.of(), ids(ok("/api/v1/devices/nobody/runs").get("runs")));
    }
}
