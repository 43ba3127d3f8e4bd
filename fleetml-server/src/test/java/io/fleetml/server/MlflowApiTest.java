package io.fleetml.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.fleetml.mlflow.RunIds;
import io.fleetml.store.DeviceQuery;
import io.fleetml.store.FleetStore;
import io.fleetml.store.SessionRecord;
import io.fleetml.train.TrainOutcome;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mlflow.api.proto.ModelRegistry;
import org.mlflow.api.proto.Service;
import org.mlflow.api.proto.Service.Run;
import org.mlflow.tracking.MlflowClient;
import org.mlflow.tracking.MlflowHttpException;
import org.mlflow.tracking.RunsPage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * MLflow's own Java client (2.17.2) against fleetml serve, over a store trained through the real engine: session
 * {@code a} (30 devices and two with too few rows to train) is {@code pumps/1}, session {@code b} is {@code pumps/2},
 * alias {@code champion} on version 1. The server has a token: MLflow's reads need none, alias changes do.
 */
class MlflowApiTest {
    static final String TOKEN = "mlflow-test-token";
    @TempDir
    static Path dir;
    static FleetStore store;
    static FleetServer server;
    static MlflowClient client;
    static Http http;
    static SessionRecord a;
    static SessionRecord b;
    static String experimentId;

    @BeforeAll
    static void trainAndServe() throws IOException {
        store = FleetStore.open(dir.resolve("store"));
        Path data = ServedStore.fleet(dir.resolve("a.csv"), 30, 40, 0, false, 1);
        Files.writeString(data, "short-1,0.1,0.2,1\nshort-2,0.5,0.5,3\n", java.nio.file.StandardOpenOption.APPEND);
        a = ServedStore.train(store, data, false);
        b = ServedStore.train(store, ServedStore.fleet(dir.resolve("b.csv"), 5, 40, 1000, false, 2), false);
        store.tracking().registry().register("pumps", a.id(), "champion", "first", "test");
        store.tracking().registry().register("pumps", b.id(), null, null, "test");
        server = FleetServer.start(store, ServerConfig.local().withToken(TOKEN, false));
        client = new MlflowClient(server.url());
        http = new Http(server.url());
        experimentId = client.getExperimentByName("serve-test").orElseThrow().getExperimentId();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
        if (store != null) {
            store.close();
        }
    }

    static Map<String, Double> metrics(Run r) {
        return r.getData().getMetricsList().stream().collect(Collectors.toMap(Service.Metric::getKey, Service.Metric::getValue));
    }

    static Map<String, String> tags(Run r) {
        return r.getData().getTagsList().stream().collect(Collectors.toMap(Service.RunTag::getKey, Service.RunTag::getValue));
    }

    @Test
    void experimentsByNameAndId() {
        Service.Experiment e = client.getExperiment(experimentId);
        assertEquals("serve-test", e.getName());
        assertEquals("active", e.getLifecycleStage());
        assertTrue(e.getCreationTime() > 1_600_000_000_000L, "int64 read back: " + e.getCreationTime());
        assertEquals(Optional.empty(), client.getExperimentByName("no-such-experiment"));
        assertEquals(List.of("serve-test"), client.searchExperiments().getItems().stream().map(Service.Experiment::getName).toList());
    }

    @Test
    void searchRunsPagesThroughEveryNestedRunOfASession() {
        String filter = "tags.mlflow.parentRunId = '" + a.id() + "'";
        List<Run> all = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            RunsPage page = client.searchRuns(List.of(experimentId), filter, Service.ViewType.ACTIVE_ONLY, 7, List.of(), token);
            assertTrue(page.getItems().size() <= 7, "a page holds at most max_results");
            all.addAll(page.getItems());
            token = page.getNextPageToken().orElse(null);
            pages++;
        } while (token != null);
        List<String> expected = store.tracking().devices(a.id(), DeviceQuery.ALL).stream().map(o -> RunIds.nested(a.id(), o.deviceId())).toList();
        assertEquals(32, expected.size());
        assertEquals(expected, all.stream().map(r -> r.getInfo().getRunId()).toList(), "every device run once, in the session's device order");
        assertEquals(5, pages, "32 runs in pages of 7");
        for (Run r : all) {
            assertEquals(a.id(), tags(r).get("mlflow.parentRunId"));
            assertEquals(r.getInfo().getRunName(), tags(r).get("fleetml.device_id"));
        }
        assertEquals(2, all.stream().filter(r -> r.getInfo().getStatus() == Service.RunStatus.FAILED).count(), "the two short devices");
    }

    @Test
    void searchRunsFiltersAndOrdersOnMetricsInTheStore() {
        List<TrainOutcome> runs = store.tracking().devices(a.id(), DeviceQuery.ALL);
        double median = runs.stream().filter(o -> o.status() == TrainOutcome.Status.OK).mapToDouble(o -> o.holdout().mse()).sorted().toArray()[15];
        String filter = "tags.mlflow.parentRunId = '" + a.id() + "' and metrics.mse < " + median + " and attributes.status = 'FINISHED'";
        List<Run> found = client.searchRuns(List.of(experimentId), filter, Service.ViewType.ACTIVE_ONLY, 1000, List.of("metrics.mse DESC"), null).getItems();
        List<String> expected = runs.stream().filter(o -> o.holdout().mse() < median).sorted((x, y) -> Double.compare(y.holdout().mse(), x.holdout().mse()))
                .map(TrainOutcome::deviceId).toList();
        assertEquals(15, expected.size());
        assertEquals(expected, found.stream().map(r -> r.getInfo().getRunName()).toList(), "mse below the median, highest first");
        List<Run> named = client.searchRuns(List.of(experimentId), "attributes.run_name = 'dev-3'", Service.ViewType.ACTIVE_ONLY, 10, List.of(), null).getItems();
        assertEquals(List.of(RunIds.nested(b.id(), "dev-3"), RunIds.nested(a.id(), "dev-3")), named.stream().map(r -> r.getInfo().getRunId()).toList(),
                "dev-3 in each session, newest session first");
        List<Run> parents = client.searchRuns(List.of(experimentId), "params.algorithm = 'linear' and metrics.devices_ok >= 1",
                Service.ViewType.ACTIVE_ONLY, 100, List.of(), null).getItems();
        assertEquals(Set.of(a.id(), b.id()), parents.stream().map(r -> r.getInfo().getRunId()).collect(Collectors.toSet()), "session runs, by their summary");
        RunsPage everything = client.searchRuns(List.of(experimentId), "", Service.ViewType.ACTIVE_ONLY, 50_000, List.of(), null);
        assertEquals(2 + 32 + 5, everything.getItems().size(), "both sessions' runs and their device runs");
        assertFalse(everything.hasNextPage());
    }

    @Test
    void getRunHasTheDevicesMetricsParamsAndTagsAndItsMetricHistory() {
        TrainOutcome dev = store.tracking().device(a.id(), "dev-4").orElseThrow();
        String id = RunIds.nested(a.id(), "dev-4");
        Run run = client.getRun(id);
        assertEquals(id, run.getInfo().getRunId());
        assertEquals(experimentId, run.getInfo().getExperimentId());
        assertEquals(Service.RunStatus.FINISHED, run.getInfo().getStatus());
        assertEquals(dev.holdout().mse(), metrics(run).get("mse"));
        assertEquals(dev.nUsed(), metrics(run).get("n_used"));
        Map<String, String> params = run.getData().getParamsList().stream().collect(Collectors.toMap(Service.Param::getKey, Service.Param::getValue));
        assertEquals("linear", params.get("algorithm"));
        assertEquals("x1,x2", params.get("features"));
        assertEquals(a.id(), tags(run).get("mlflow.parentRunId"));
        List<Service.Metric> history = client.getMetricHistory(id, "mse");
        assertEquals(1, history.size());
        assertEquals(dev.holdout().mse(), history.get(0).getValue());
        assertEquals(List.of(), client.getMetricHistory(id, "no_such_metric"));

        Run session = client.getRun(a.id());
        assertEquals(32.0, metrics(session).get("devices"));
        assertEquals(2.0, metrics(session).get("devices_failed"));
        assertFalse(tags(session).containsKey("mlflow.parentRunId"));
    }

    @Test
    void theRegistryItsVersionsAndWhereTheirModelsAre() throws Exception {
        ModelRegistry.RegisteredModel m = client.getRegisteredModel("pumps");
        assertEquals("pumps", m.getName());
        assertEquals("2", m.getLatestVersions(0).getVersion());
        assertEquals(List.of("champion"), m.getAliasesList().stream().map(ModelRegistry.RegisteredModelAlias::getAlias).toList());
        ModelRegistry.ModelVersion v1 = client.getModelVersion("pumps", "1");
        assertEquals(a.id(), v1.getRunId());
        assertEquals("first", v1.getDescription());
        assertEquals(List.of("champion"), v1.getAliasesList());
        assertEquals(a.artifactRoot(), client.getModelVersionDownloadUri("pumps", "1"));
        assertEquals(2, client.searchModelVersions("name = 'pumps'").getItems().size());
        JsonNode alias = Http.JSON.readTree(client.sendGet("registered-models/alias?name=pumps&alias=champion"));
        assertEquals("1", alias.get("model_version").get("version").asText());
        MlflowHttpException missing = assertThrows(MlflowHttpException.class, () -> client.getModelVersion("pumps", "9"));
        assertEquals(404, missing.getStatusCode());
    }

    @Test
    void aDeviceRunsModelFilesListAndDownloadThroughThePack() throws Exception {
        TrainOutcome dev = store.tracking().device(a.id(), "dev-5").orElseThrow();
        String id = RunIds.nested(a.id(), "dev-5");
        io.fleetml.model.ModelArtifact model = store.artifacts().read(dev.modelUri());
        JsonNode listed = Http.JSON.readTree(client.sendGet("artifacts/list?run_id=" + id));
        assertEquals("mlflow-artifacts:/" + experimentId + "/" + id + "/artifacts", listed.get("root_uri").asText());
        Set<String> names = new HashSet<>();
        listed.get("files").forEach(f -> names.add(f.get("path").asText()));
        assertEquals(Set.of(model.fileName(), "meta.json"), names);

        String root = experimentId + "/" + id + "/artifacts";
        Http.Answer proxied = http.get("/api/2.0/mlflow-artifacts/artifacts?path=" + root);
        assertEquals(200, proxied.status(), proxied.toString());
        JsonNode file = null;
        for (JsonNode f : proxied.json().get("files")) {
            if (f.get("path").asText().equals(model.fileName())) {
                file = f;
            }
        }
        assertNotNull(file, proxied.toString());
        assertEquals(model.bytes().length, file.get("file_size").asLong(), "file_size, an int64, as a JSON number");
        assertTrue(file.get("file_size").isNumber());
        Http.Answer download = http.get("/api/2.0/mlflow-artifacts/artifacts/" + root + "/" + model.fileName());
        assertEquals(200, download.status());
        assertEquals(new String(model.bytes(), StandardCharsets.UTF_8), download.text(), "the model file's bytes, out of its pack");
        Http.Answer meta = http.get("/ajax-api/2.0/mlflow-artifacts/artifacts/" + root + "/meta.json");
        assertEquals(new String(store.artifacts().meta(dev.modelUri()), StandardCharsets.UTF_8), meta.text());
        Http.Answer none = http.get("/api/2.0/mlflow-artifacts/artifacts/" + root + "/nothing.bin");
        assertEquals(404, none.status());
        assertEquals("RESOURCE_DOES_NOT_EXIST", none.json().get("error_code").asText());
    }

    @Test
    void refusalsAreMlflowsErrorDocuments() {
        Http.Answer bad = http.post("/api/2.0/mlflow/runs/search", "{\"experiment_ids\": [\"" + experimentId + "\"], \"filter\": \"metrics.mse < 'high'\"}");
        assertEquals(400, bad.status(), bad.toString());
        assertEquals("INVALID_PARAMETER_VALUE", bad.json().get("error_code").asText());
        assertTrue(bad.json().get("message").asText().contains("expected a number"), bad.toString());
        Http.Answer or = http.post("/ajax-api/2.0/mlflow/runs/search", "{\"experiment_ids\": [\"" + experimentId + "\"], \"filter\": \"metrics.mse < 1 or metrics.r2 > 0\"}");
        assertEquals(400, or.status());
        Http.Answer order = http.post("/api/2.0/mlflow/runs/search", "{\"experiment_ids\": [\"" + experimentId + "\"], \"order_by\": [\"metrics.mse DESC\"]}");
        assertEquals(400, order.status());
        assertTrue(order.json().get("message").asText().contains("tags.mlflow.parentRunId"), order.toString());
        Http.Answer tooMany = http.post("/api/2.0/mlflow/runs/search", "{\"experiment_ids\": [\"" + experimentId + "\"], \"max_results\": 50001}");
        assertEquals(400, tooMany.status());

        Http.Answer unknown = http.get("/api/2.0/mlflow/runs/get?run_id=nope");
        assertEquals(404, unknown.status());
        assertEquals("RESOURCE_DOES_NOT_EXIST", unknown.json().get("error_code").asText());
        assertEquals(404, http.get("/api/2.0/mlflow/runs/get?run_id=" + RunIds.nested(a.id(), "not-a-device")).status());
        MlflowHttpException e = assertThrows(MlflowHttpException.class, () -> client.getRun("nope"));
        assertEquals(404, e.getStatusCode());
        Http.Answer noEndpoint = http.get("/api/2.0/mlflow/runs/frobnicate");
        assertEquals(404, noEndpoint.status());
        assertEquals("ENDPOINT_NOT_FOUND", noEndpoint.json().get("error_code").asText());
    }

    @Test
    void aliasesMoveAndGoOnlyWithTheToken() {
        String set = "{\"name\": \"pumps\", \"alias\": \"canary\", \"version\": \"2\"}";
        Http.Answer anonymous = http.post("/api/2.0/mlflow/registered-models/alias", set);
        assertEquals(401, anonymous.status(), anonymous.toString());
        assertEquals("UNAUTHENTICATED", anonymous.json().get("error_code").asText());
        Http.Answer wrong = http.withToken("not-it").post("/api/2.0/mlflow/registered-models/alias", set);
        assertEquals(401, wrong.status());
        assertEquals(404, http.get("/api/2.0/mlflow/registered-models/alias?name=pumps&alias=canary").status(), "nothing was set");

        Http owner = http.withToken(TOKEN);
        assertEquals(200, owner.post("/api/2.0/mlflow/registered-models/alias", set).status());
        assertEquals("2", http.get("/api/2.0/mlflow/registered-models/alias?name=pumps&alias=canary").json().get("model_version").get("version").asText());
        assertEquals(401, http.delete("/api/2.0/mlflow/registered-models/alias?name=pumps&alias=canary").status());
        assertEquals(200, owner.delete("/api/2.0/mlflow/registered-models/alias?name=pumps&alias=canary").status());
        assertEquals(404, http.get("/api/2.0/mlflow/registered-models/alias?name=pumps&alias=canary").status());
        Http.Answer noVersion = owner.post("/api/2.0/mlflow/registered-models/alias", "{\"name\": \"pumps\", \"alias\": \"x\", \"version\": \"7\"}");
        assertEquals(404, noVersion.status(), noVersion.toString());
    }
}
