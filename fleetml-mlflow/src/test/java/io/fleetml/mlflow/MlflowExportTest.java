package io.fleetml.mlflow;

import io.fleetml.store.FleetStore;
import io.fleetml.store.SessionRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mlflow.api.proto.ModelRegistry;
import org.mlflow.api.proto.Service.Run;
import org.mlflow.api.proto.Service.RunStatus;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

/** The export against the MLflow protocol stand-in: the runs the policy says, no duplicates, interruptions, retries. */
class MlflowExportTest {
    static final int DEVICES = 10_000;
    static final MlflowHttp.Retry FAST = new MlflowHttp.Retry(3, Duration.ofMillis(5), Duration.ofMillis(20));

    @TempDir
    static Path dir;
    static FleetStore store;
    static SessionRecord big;

    @BeforeAll
    static void fleet() throws Exception {
        store = FleetStore.open(dir.resolve("store"));
        big = Fleets.session(store, DEVICES, "pumps");
    }

    @AfterAll
    static void close() {
        store.close();
    }

    static MlflowExport export(MlflowStandIn server) {
        return new MlflowExport(new MlflowHttp(server.url(), FAST, Map.of()), store);
    }

    static MlflowExport.Options policy(String nested) {
        return new MlflowExport.Options(null, NestedPolicy.parse(nested), null, null, 8);
    }

    static Set<String> devices(List<Run> runs) {
        return runs.stream().map(r -> MlflowStandIn.tag(r, MlflowView.DEVICE_TAG)).collect(Collectors.toSet());
    }

    static Set<String> ids(IntStream is) {
        return is.mapToObj(Fleets::id).collect(Collectors.toSet());
    }

    @Test
    void theDefaultPolicyOnTenThousandDevicesExportsTheFailedAndTheHundredWorstOnceEvenWhenRunTwice() {
        try (MlflowStandIn server = MlflowStandIn.start()) {
            MlflowExport.Result first = export(server).export(big, MlflowExport.Options.defaults());
            long bad = Fleets.failedOrSkipped(DEVICES);
            assertEquals(bad + 100, first.nestedSelected());
            assertEquals(bad + 100, first.nestedCreated());
            assertTrue(first.parentCreated());

            Run parent = server.runs().stream().filter(r -> r.getInfo().getRunId().equals(first.parentRunId())).findFirst().orElseThrow();
            assertEquals(big.id(), parent.getInfo().getRunName());
            assertEquals(RunStatus.FINISHED, parent.getInfo().getStatus());
            assertEquals(MlflowView.millis(big.startedAt()), parent.getInfo().getStartTime());
            assertEquals(MlflowView.millis(big.endedAt()), parent.getInfo().getEndTime());
            assertEquals(big.id(), MlflowStandIn.tag(parent, MlflowView.SESSION_TAG));
            Map<String, String> params = parent.getData().getParamsList().stream().collect(Collectors.toMap(p -> p.getKey(), p -> p.getValue()));
            assertEquals(MlflowView.params(big), params);
            assertEquals(MlflowView.metrics(big).keySet(), parent.getData().getMetricsList().stream().map(m -> m.getKey()).collect(Collectors.toSet()));

            List<Run> children = server.children(first.parentRunId());
            Set<String> expected = ids(IntStream.range(0, DEVICES).filter(i -> Fleets.failed(i) || Fleets.skipped(i)));
            // the worst by holdout MSE: device i has MSE i, so the highest-numbered trained devices
            expected.addAll(ids(IntStream.iterate(DEVICES - 1, i -> i - 1).filter(i -> !Fleets.failed(i) && !Fleets.skipped(i)).limit(100)));
            assertEquals(expected, devices(children));
            assertEquals(children.size(), expected.size(), "one run per device");
            Run failed = children.stream().filter(r -> r.getInfo().getRunName().equals(Fleets.id(7))).findFirst().orElseThrow();
            assertEquals(RunStatus.FAILED, failed.getInfo().getStatus());
            assertEquals("too few rows: 3 (need 10)", MlflowStandIn.tag(failed, "fleetml.error"));
            Run worst = children.stream().filter(r -> r.getInfo().getRunName().equals(Fleets.id(DEVICES - 1))).findFirst().orElseThrow();
            assertEquals(RunStatus.FINISHED, worst.getInfo().getStatus());
            assertEquals(DEVICES - 1.0, worst.getData().getMetricsList().stream().filter(m -> m.getKey().equals("mse")).findFirst().orElseThrow().getValue());

            int runsBefore = server.runs().size();
            long requestsBefore = server.requests();
            MlflowExport.Result again = export(server).export(big, MlflowExport.Options.defaults());
            assertEquals(runsBefore, server.runs().size(), "a second export creates no run");
            assertFalse(again.parentCreated());
            assertEquals(first.parentRunId(), again.parentRunId());
            assertEquals(0, again.nestedCreated());
            assertEquals(bad + 100, again.nestedExisting());
            assertEquals(10, again.kept(), "the ten packs are not sent again");
            assertTrue(server.requests() - requestsBefore < 40, "the second export only looks: " + (server.requests() - requestsBefore));
        }
    }

    @Test
    void eachPolicyExportsWhatItSays() {
        try (MlflowStandIn server = MlflowStandIn.start()) {
            MlflowExport.Result none = export(server).export(big, new MlflowExport.Options("none", NestedPolicy.parse("none"), null, null, 4));
            assertEquals(0, server.children(none.parentRunId()).size());
            MlflowExport.Result worst = export(server).export(big, new MlflowExport.Options("worst", NestedPolicy.parse("worst:7"), null, null, 4));
            assertEquals(ids(IntStream.of(9999, 9998, 9997, 9996, 9995, 9994, 9993)), devices(server.children(worst.parentRunId())));
            MlflowExport.Result failed = export(server).export(big, new MlflowExport.Options("failed", NestedPolicy.parse("failed"), null, null, 4));
            assertEquals(ids(IntStream.range(0, DEVICES).filter(i -> Fleets.failed(i) || Fleets.skipped(i))), devices(server.children(failed.parentRunId())));
            assertEquals(3, server.runs().stream().filter(r -> MlflowStandIn.tag(r, MlflowView.PARENT_RUN_ID) == null).count(),
                    "one parent run in each of the three experiments");
        }
    }

    @Test
    void anExportInterruptedMidwayCompletesWhenRunAgainWithoutDuplicates() throws Exception {
        try (MlflowStandIn server = MlflowStandIn.start(); FleetStore small = FleetStore.open(dir.resolve("small"))) {
            SessionRecord s = Fleets.session(small, 1000, "interrupted"); // the default policy: all of them
            MlflowExport export = new MlflowExport(new MlflowHttp(server.url(), FAST, Map.of()), small);
            server.failAfter(1500); // about half way through the 3,000 requests of the nested runs
            MlflowException broken = assertThrows(MlflowException.class, () -> export.export(s, MlflowExport.Options.defaults()));
            assertTrue(broken.getMessage().contains("run the same export again"), broken.getMessage());
            assertEquals(503, broken.status());
            List<Run> partial = server.runs();
            assertTrue(partial.size() > 100 && partial.size() < 1001, "interrupted midway: " + partial.size());
            assertTrue(partial.stream().anyMatch(r -> r.getInfo().getStatus() == RunStatus.RUNNING), "some runs were left running");

            server.failAfter(-1);
            MlflowExport.Result done = export.export(s, MlflowExport.Options.defaults());
            assertFalse(done.parentCreated());
            assertEquals(1000, done.nestedSelected());
            List<Run> children = server.children(done.parentRunId());
            assertEquals(1000, children.size(), "no duplicates");
            assertEquals(ids(IntStream.range(0, 1000)), devices(children));
            assertTrue(children.stream().noneMatch(r -> r.getInfo().getStatus() == RunStatus.RUNNING), "every run completed");
            assertTrue(children.stream().allMatch(r -> r.getData().getMetricsCount() >= 4), "every run has its metrics");
            assertEquals(1001, server.runs().size());
            assertEquals(1000, done.nestedCreated() + done.nestedCompleted() + done.nestedExisting());
        }
    }

    @Test
    void aTransient503IsRetried() throws Exception {
        try (MlflowStandIn server = MlflowStandIn.start(); FleetStore small = FleetStore.open(dir.resolve("retry"))) {
            SessionRecord s = Fleets.session(small, 300, "retry");
            server.failOnce(1); // the very first request (experiments/get-by-name)
            server.failOnce(40);
            server.failOnce(400);
            MlflowExport.Result r = new MlflowExport(new MlflowHttp(server.url(), FAST, Map.of()), small).export(s, MlflowExport.Options.defaults());
            assertEquals(3, server.refused());
            assertEquals(3, r.retries());
            assertEquals(300, server.children(r.parentRunId()).size());
            assertEquals(300, r.nestedCreated());
        }
    }

    @Test
    void theParentRunHoldsTheResultsTablePacksAndAnMLmodelAndRegisteringMakesOneVersionWithItsAlias() {
        try (MlflowStandIn server = MlflowStandIn.start()) {
            MlflowExport.Options register = new MlflowExport.Options("registry", NestedPolicy.parse("none"), "pumps", "champion", 8);
            MlflowExport.Result r = export(server).export(big, register);
            String root = r.experimentId() + "/" + r.parentRunId() + "/artifacts/";
            Map<String, byte[]> files = server.artifacts();
            for (String f : List.of("results/devices.parquet", "results/devices.csv", "fleet_model/MLmodel", "fleet_model/code/fleetml_pyfunc.py",
                    "fleet_model/data/fleet.json", "fleet_model/data/devices.csv", "fleet_model/requirements.txt")) {
                assertTrue(files.containsKey(root + f), f + " in " + files.keySet());
            }
            String results = new String(files.get(root + "results/devices.csv"), StandardCharsets.UTF_8);
            assertEquals(DEVICES + 1, results.lines().count(), "every device, with a header");
            assertTrue(results.startsWith("device_id,n_used,n_test,model_uri,mse"), results.lines().findFirst().orElse(""));
            long packs = files.keySet().stream().filter(f -> f.startsWith(root + "fleet_model/data/packs/" + big.id() + "/part-")).count();
            assertEquals(10, packs);
            String mlmodel = new String(files.get(root + "fleet_model/MLmodel"), StandardCharsets.UTF_8);
            assertTrue(mlmodel.contains("loader_module: fleetml_pyfunc") && mlmodel.contains("run_id: " + r.parentRunId()), mlmodel);
            String index = new String(files.get(root + "fleet_model/data/devices.csv"), StandardCharsets.UTF_8);
            assertEquals(DEVICES - Fleets.failedOrSkipped(DEVICES) + 1, index.lines().count());

            assertEquals("pumps/1", r.registered());
            List<ModelRegistry.ModelVersion> versions = server.versions("pumps");
            assertEquals(1, versions.size());
            assertEquals("mlflow-artifacts:/" + r.experimentId() + "/" + r.parentRunId() + "/artifacts/fleet_model", versions.get(0).getSource());
            assertEquals(r.parentRunId(), versions.get(0).getRunId());
            assertEquals("1", server.model("pumps").getAliasesList().get(0).getVersion());

            MlflowExport.Result again = export(server).export(big, register);
            assertEquals("pumps/1", again.registered(), "the same export registers no second version");
            assertEquals(1, server.versions("pumps").size());
        }
    }

    @Test
    void logBatchKeepsWithinMlflowsLimits() {
        try (MlflowStandIn server = MlflowStandIn.start()) {
            MlflowExport.Result r = export(server).export(big, new MlflowExport.Options("limits", NestedPolicy.parse("none"), null, null, 2));
            Map<String, Double> metrics = new java.util.LinkedHashMap<>();
            Map<String, String> params = new java.util.LinkedHashMap<>();
            Map<String, String> tags = new java.util.LinkedHashMap<>();
            for (int i = 0; i < 2500; i++) {
                metrics.put("m" + i, (double) i);
            }
            for (int i = 0; i < 250; i++) {
                params.put("p" + i, "v" + i);
                tags.put("t" + i, "v" + i);
            }
            long before = server.requests();
            export(server).logBatch(r.parentRunId(), params, metrics, tags, 1L);
            assertEquals(3, server.requests() - before, "3,000 values in the fewest requests MLflow's limits allow (1,000 a request)");
            Run run = server.runs().stream().filter(x -> x.getInfo().getRunId().equals(r.parentRunId())).findFirst().orElseThrow();
            assertTrue(run.getData().getMetricsCount() >= 2500 && run.getData().getParamsCount() >= 250);
        }
    }

    @Test
    void theStandInRefusesWhatMlflowRefuses() throws Exception {
        try (MlflowStandIn server = MlflowStandIn.start()) {
            HttpClient c = HttpClient.newHttpClient();
            java.util.function.Function<String, HttpResponse<String>> post = body -> {
                try {
                    return c.send(HttpRequest.newBuilder(URI.create(server.url() + "/api/2.0/mlflow/runs/log-batch"))
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            };
            HttpResponse<String> noRun = post.apply("{\"metrics\": []}");
            assertEquals(400, noRun.statusCode());
            assertTrue(noRun.body().contains("INVALID_PARAMETER_VALUE") && noRun.body().contains("run_id"), noRun.body());
            HttpResponse<String> unknown = post.apply("{\"run_id\": \"x\", \"metricz\": []}");
            assertEquals(400, unknown.statusCode(), unknown.body());
            StringBuilder many = new StringBuilder("{\"run_id\": \"x\", \"metrics\": [");
            for (int i = 0; i < 1001; i++) {
                many.append(i == 0 ? "" : ",").append("{\"key\": \"m").append(i).append("\", \"value\": 1, \"timestamp\": 1}");
            }
            HttpResponse<String> tooMany = post.apply(many.append("]}").toString());
            assertEquals(400, tooMany.statusCode());
            assertTrue(tooMany.body().contains("at most 1000 metrics"), tooMany.body());
            HttpResponse<String> noSuchRun = post.apply("{\"run_id\": \"x\", \"metrics\": []}");
            assertEquals(404, noSuchRun.statusCode());
            assertTrue(noSuchRun.body().contains("RESOURCE_DOES_NOT_EXIST"), noSuchRun.body());
        }
    }

    @Test
    void anUnreachableServerIsNamedWithWhatToDo() {
        MlflowHttp http = new MlflowHttp("http://127.0.0.1:9", new MlflowHttp.Retry(2, Duration.ofMillis(1), Duration.ofMillis(2)), Map.of());
        MlflowException e = assertThrows(MlflowException.class, () -> new MlflowExport(http, store).export(big, MlflowExport.Options.defaults()));
        assertTrue(e.getMessage().contains("did not answer") && e.getMessage().contains("check that the server runs"), e.getMessage());
        assertTrue(e.unavailable());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> new MlflowHttp("file:///tmp/mlruns", FAST, Map.of()));
        assertTrue(bad.getMessage().contains("http://"), bad.getMessage());
    }

    @Test
    void aServerThatDoesNotProxyArtifactsGetsTheRunsAndAWarningAndRegisteringIsRefused() {
        try (MlflowStandIn server = MlflowStandIn.start()) {
            server.artifactLocation("s3://team-bucket/mlflow/");
            MlflowExport.Result r = export(server).export(big, new MlflowExport.Options("s3", NestedPolicy.parse("worst:3"), null, null, 4));
            assertEquals(3, server.children(r.parentRunId()).size());
            assertTrue(server.artifacts().isEmpty());
            assertEquals(1, r.warnings().size());
            assertTrue(r.warnings().get(0).contains("--serve-artifacts"), r.warnings().get(0));
            MlflowException e = assertThrows(MlflowException.class, () -> export(server).export(big,
                    new MlflowExport.Options("s3", NestedPolicy.parse("worst:3"), "pumps", null, 4)));
            assertTrue(e.getMessage().contains("not registered pumps"), e.getMessage());
            assertTrue(server.versions("pumps").isEmpty());
        }
    }

    @Test
    void credentialsFromMlflowsVariablesAreSent() {
        try (MlflowStandIn server = MlflowStandIn.start()) {
            new MlflowHttp(server.url(), FAST, Map.of("MLFLOW_TRACKING_TOKEN", "t0k")).get("experiments/get-by-name",
                    Map.of("experiment_name", "Default"), org.mlflow.api.proto.Service.GetExperimentByName.Response.newBuilder());
            assertEquals("Bearer t0k", server.lastAuthorization());
            new MlflowHttp(server.url(), FAST, Map.of("MLFLOW_TRACKING_USERNAME", "ann", "MLFLOW_TRACKING_PASSWORD", "pw")).get(
                    "experiments/get-by-name", Map.of("experiment_name", "Default"), org.mlflow.api.proto.Service.GetExperimentByName.Response.newBuilder());
            assertEquals("Basic " + java.util.Base64.getEncoder().encodeToString("ann:pw".getBytes(StandardCharsets.UTF_8)), server.lastAuthorization());
        }
    }

    @Test
    void policiesParse() {
        assertEquals("worst:25", NestedPolicy.parse("WORST:25").toString());
        assertEquals(NestedPolicy.DEFAULT, NestedPolicy.parse("default"));
        for (String bad : List.of("worst", "worst:0", "worst:x", "some")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NestedPolicy.parse(bad));
            assertTrue(e.getMessage().contains("default, all, failed, worst:N"), e.getMessage());
        }
        assertEquals("1/abc/artifacts", MlflowExport.proxyPath("mlflow-artifacts:/1/abc/artifacts"));
        assertEquals("1/abc/artifacts", MlflowExport.proxyPath("mlflow-artifacts://mlflow.internal:5000/1/abc/artifacts/"));
        assertNull(MlflowExport.proxyPath("s3://bucket/1/abc/artifacts"));
    }
}
