package io.fleetml.server.mlflow;

import io.fleetml.data.FleetInputException;
import io.fleetml.mlflow.MlflowRuns;
import io.fleetml.mlflow.MlflowView;
import io.fleetml.mlflow.ProtoJson;
import io.fleetml.mlflow.RunFilter;
import io.fleetml.mlflow.RunFilter.FilterException;
import io.fleetml.mlflow.RunIds;
import io.fleetml.model.ModelArtifact;
import io.fleetml.registry.ModelName;
import io.fleetml.registry.ModelRegistry;
import io.fleetml.registry.ModelVersion;
import io.fleetml.registry.RegisteredModel;
import io.fleetml.store.Experiment;
import io.fleetml.store.FleetStore;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.StoreException;
import io.fleetml.store.TrackingStore;
import io.fleetml.train.TrainOutcome;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import org.mlflow.api.proto.MlflowArtifacts;
import org.mlflow.api.proto.ModelRegistry.GetModelVersion;
import org.mlflow.api.proto.ModelRegistry.GetModelVersionDownloadUri;
import org.mlflow.api.proto.ModelRegistry.GetRegisteredModel;
import org.mlflow.api.proto.ModelRegistry.SearchModelVersions;
import org.mlflow.api.proto.ModelRegistry.SearchRegisteredModels;
import org.mlflow.api.proto.Service;
import org.mlflow.api.proto.Service.Run;
import org.mlflow_project.google.protobuf.MessageOrBuilder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * MLflow's REST API over the store. Every endpoint answers under {@code /api/2.0/mlflow/} and
 * {@code /ajax-api/2.0/mlflow/} (the artifact proxy under {@code /api/2.0/mlflow-artifacts/} and
 * {@code /ajax-api/2.0/mlflow-artifacts/}); see {@link #ENDPOINTS}. Failures are MLflow's error documents.
 */
public final class MlflowRoutes {
    static final List<String> PREFIXES = List.of("/api/2.0/mlflow", "/ajax-api/2.0/mlflow");
    static final List<String> ARTIFACT_PREFIXES = List.of("/api/2.0/mlflow-artifacts", "/ajax-api/2.0/mlflow-artifacts");
    /** MLflow's cap on a runs/search page. */
    static final int MAX_RUNS = 50_000;
    static final int DEFAULT_RUNS = 1000;
    /** The endpoints served, by method, under each prefix: the README lists the same. */
    public static final List<String> ENDPOINTS = List.of("GET experiments/get", "GET experiments/get-by-name", "GET|POST experiments/search",
            "GET runs/get", "GET|POST runs/search", "GET metrics/get-history", "GET artifacts/list", "GET registered-models/get",
            "GET|POST registered-models/search", "GET|POST registered-models/get-latest-versions", "GET model-versions/get",
            "GET|POST model-versions/search", "GET model-versions/get-download-uri", "GET registered-models/alias",
            "POST registered-models/alias", "DELETE registered-models/alias");

    private final FleetStore store;
    private final TrackingStore tracking;
    private final ModelRegistry registry;

    public MlflowRoutes(FleetStore store) {
        this.store = store;
        this.tracking = store.tracking();
        this.registry = tracking.registry();
    }

    /** Whether {@code path} is one of MLflow's: its errors are then MLflow's. */
    public static boolean isMlflow(String path) {
        return path.startsWith("/api/2.0/mlflow") || path.startsWith("/ajax-api/2.0/mlflow");
    }

    /** Whether the request changes anything: on MLflow's paths only an alias's set and delete do (its searches are POSTs). */
    public static boolean isWrite(HandlerType method, String path) {
        return (method == HandlerType.POST || method == HandlerType.DELETE) && path.endsWith("/registered-models/alias");
    }

    public void register(RoutesConfig routes) {
        for (String p : PREFIXES) {
            routes.get(p + "/experiments/get", wrap(this::experiment));
            routes.get(p + "/experiments/get-by-name", wrap(this::experimentByName));
            routes.get(p + "/experiments/search", wrap(this::searchExperiments));
            routes.post(p + "/experiments/search", wrap(this::searchExperiments));
            routes.get(p + "/runs/get", wrap(this::run));
            routes.get(p + "/runs/search", wrap(this::searchRuns));
            routes.post(p + "/runs/search", wrap(this::searchRuns));
            routes.get(p + "/metrics/get-history", wrap(this::metricHistory));
            routes.get(p + "/artifacts/list", wrap(this::listArtifacts));
            routes.get(p + "/registered-models/get", wrap(this::registeredModel));
            routes.get(p + "/registered-models/search", wrap(this::searchRegisteredModels));
            routes.post(p + "/registered-models/search", wrap(this::searchRegisteredModels));
            routes.get(p + "/registered-models/get-latest-versions", wrap(this::latestVersions));
            routes.post(p + "/registered-models/get-latest-versions", wrap(this::latestVersions));
            routes.get(p + "/model-versions/get", wrap(this::modelVersion));
            routes.get(p + "/model-versions/search", wrap(this::searchModelVersions));
            routes.post(p + "/model-versions/search", wrap(this::searchModelVersions));
            routes.get(p + "/model-versions/get-download-uri", wrap(this::downloadUri));
            routes.get(p + "/registered-models/alias", wrap(this::alias));
            routes.post(p + "/registered-models/alias", wrap(this::setAlias));
            routes.delete(p + "/registered-models/alias", wrap(this::deleteAlias));
        }
        for (String p : ARTIFACT_PREFIXES) {
            routes.get(p + "/artifacts", wrap(this::proxyList));
            routes.get(p + "/artifacts/<path>", wrap(this::proxyDownload));
        }
    }

    private interface Endpoint {
        void handle(Context ctx, MlflowRequest req) throws Exception;
    }

    /** The endpoint with MLflow's error documents for what it refuses; the unexpected goes to the server's handler (500). */
    private static Handler wrap(Endpoint e) {
        return ctx -> {
            try {
                e.handle(ctx, new MlflowRequest(ctx));
            } catch (MlflowError x) {
                error(ctx, x.status(), x.code(), x.getMessage());
            } catch (FilterException | FleetInputException x) {
                error(ctx, 400, "INVALID_PARAMETER_VALUE", x.getMessage());
            } catch (StoreException x) {
                switch (x.kind()) {
                    case NOT_FOUND -> error(ctx, 404, "RESOURCE_DOES_NOT_EXIST", x.getMessage());
                    case CONFLICT -> error(ctx, 409, "INVALID_STATE", x.getMessage());
                    case UNAVAILABLE -> error(ctx, 503, "TEMPORARILY_UNAVAILABLE", x.getMessage());
                }
            }
        };
    }

    private static void error(Context ctx, int status, String code, String message) {
        ctx.status(status).contentType("application/json").result(MlflowError.body(code, message));
    }

    private static void send(Context ctx, MessageOrBuilder message) {
        ctx.status(200).contentType("application/json").result(ProtoJson.bytes(message));
    }

    // ---- experiments

    private Experiment experimentById(String id) {
        return tracking.experiments().stream().filter(e -> Long.toString(e.id()).equals(id)).findFirst()
                .orElseThrow(() -> MlflowError.notFound("No Experiment with id=" + id + " exists"));
    }

    private String experimentId(SessionRecord s) {
        return tracking.experiments().stream().filter(e -> e.name().equals(s.experiment())).map(e -> Long.toString(e.id())).findFirst().orElse("0");
    }

    private static Service.Experiment proto(Experiment e) {
        return MlflowRuns.experiment(e.id(), e.name(), e.createdAt());
    }

    private void experiment(Context ctx, MlflowRequest req) {
        send(ctx, Service.GetExperiment.Response.newBuilder().setExperiment(proto(experimentById(req.required("experiment_id")))));
    }

    private void experimentByName(Context ctx, MlflowRequest req) {
        String name = req.required("experiment_name");
        Experiment e = tracking.experiments().stream().filter(x -> x.name().equals(name)).findFirst()
                .orElseThrow(() -> MlflowError.notFound("Could not find experiment with name '" + name + "'"));
        send(ctx, Service.GetExperimentByName.Response.newBuilder().setExperiment(proto(e)));
    }

    private void searchExperiments(Context ctx, MlflowRequest req) {
        List<RunFilter.Condition> filter = RunFilter.parseNamed(req.text("filter"), List.of("name"));
        int max = req.bounded("max_results", 1000, 50_000);
        long offset = offset(req.text("page_token"));
        String view = req.text("view_type");
        List<Experiment> all = "DELETED_ONLY".equals(view) ? List.of()
                : tracking.experiments().stream().filter(e -> filter.stream().allMatch(c -> RunFilter.test(c.comparator(), e.name(), c.text()))).toList();
        Service.SearchExperiments.Response.Builder out = Service.SearchExperiments.Response.newBuilder();
        all.stream().skip(offset).limit(max).forEach(e -> out.addExperiments(proto(e)));
        if (offset + max < all.size()) {
            out.setNextPageToken(token(offset + max));
        }
        send(ctx, out);
    }

    // ---- runs

    /** A run by id: a session's, or a device's nested run. */
    private Optional<Run> findRun(String runId) {
        Optional<SessionRecord> session = tracking.session(runId);
        if (session.isPresent()) {
            return Optional.of(MlflowRuns.session(session.get(), experimentId(session.get())));
        }
        RunIds.Nested n = RunIds.parse(runId);
        if (n == null) {
            return Optional.empty();
        }
        Optional<SessionRecord> s = tracking.session(n.sessionId());
        if (s.isEmpty()) {
            return Optional.empty();
        }
        return tracking.device(s.get().id(), n.deviceId())
                .map(o -> MlflowRuns.device(s.get(), experimentId(s.get()), MlflowView.params(s.get()), o));
    }

    private Run run(String runId) {
        return findRun(runId).orElseThrow(() -> MlflowError.notFound("Run with id=" + runId + " not found"));
    }

    private static String runId(MlflowRequest req) {
        String id = req.text("run_id");
        return id == null || id.isEmpty() ? req.required("run_uuid") : id;
    }

    private void run(Context ctx, MlflowRequest req) {
        send(ctx, Service.GetRun.Response.newBuilder().setRun(run(runId(req))));
    }

    private void metricHistory(Context ctx, MlflowRequest req) {
        Run run = run(runId(req));
        String key = req.required("metric_key");
        Service.GetMetricHistory.Response.Builder out = Service.GetMetricHistory.Response.newBuilder();
        run.getData().getMetricsList().stream().filter(m -> m.getKey().equals(key)).forEach(out::addMetrics);
        send(ctx, out);
    }

    private void searchRuns(Context ctx, MlflowRequest req) {
        List<String> experimentIds = req.list("experiment_ids");
        int max = req.bounded("max_results", DEFAULT_RUNS, MAX_RUNS);
        RunSearch search = new RunSearch(tracking, RunFilter.parse(req.text("filter")), RunFilter.orders(req.list("order_by")),
                "DELETED_ONLY".equals(req.text("run_view_type")));
        List<Experiment> experiments = tracking.experiments();
        List<SessionRecord> sessions = new ArrayList<>();
        for (String id : experimentIds) {
            Experiment e = experiments.stream().filter(x -> Long.toString(x.id()).equals(id)).findFirst()
                    .orElseThrow(() -> MlflowError.notFound("No Experiment with id=" + id + " exists"));
            sessions.addAll(tracking.sessions(e.name()));
        }
        sessions.sort(java.util.Comparator.comparing(SessionRecord::startedAt).thenComparing(SessionRecord::id).reversed());
        Map<String, String> ids = new java.util.HashMap<>();
        experiments.forEach(e -> ids.put(e.name(), Long.toString(e.id())));
        RunSearch.Page page = search.page(sessions, s -> ids.getOrDefault(s.experiment(), "0"), max, req.text("page_token"));
        ctx.status(200).contentType("application/json");
        ctx.result(page.json());
    }

    // ---- artifacts

    /** A run's files: a device run's model file and its meta.json, read from its pack; a session's run has none here. */
    private List<MlflowArtifacts.FileInfo> files(String runId) throws IOException {
        RunIds.Nested n = RunIds.parse(runId);
        List<MlflowArtifacts.FileInfo> out = new ArrayList<>();
        if (tracking.session(runId).isPresent()) {
            return out;
        }
        TrainOutcome o = n == null ? null : tracking.session(n.sessionId()).flatMap(s -> tracking.device(s.id(), n.deviceId())).orElse(null);
        if (o == null) {
            throw MlflowError.notFound("Run with id=" + runId + " not found");
        }
        if (o.modelUri() != null) {
            ModelArtifact model = store.artifacts().read(o.modelUri());
            out.add(MlflowArtifacts.FileInfo.newBuilder().setPath(model.fileName()).setIsDir(false).setFileSize(model.bytes().length).build());
            out.add(MlflowArtifacts.FileInfo.newBuilder().setPath("meta.json").setIsDir(false).setFileSize(store.artifacts().meta(o.modelUri()).length).build());
        }
        return out;
    }

    private byte[] file(String runId, String name) throws IOException {
        RunIds.Nested n = RunIds.parse(runId);
        TrainOutcome o = n == null ? null : tracking.session(n.sessionId()).flatMap(s -> tracking.device(s.id(), n.deviceId())).orElse(null);
        if (o != null && o.modelUri() != null) {
            if (name.equals("meta.json")) {
                return store.artifacts().meta(o.modelUri());
            }
            ModelArtifact model = store.artifacts().read(o.modelUri());
            if (model.fileName().equals(name)) {
                return model.bytes();
            }
        }
        throw MlflowError.notFound("No artifact '" + name + "' in run " + runId + (o == null ? " (no such run)" : ""));
    }

    private void listArtifacts(Context ctx, MlflowRequest req) throws IOException {
        String runId = runId(req);
        Run run = run(runId);
        String path = req.text("path");
        Service.ListArtifacts.Response.Builder out = Service.ListArtifacts.Response.newBuilder().setRootUri(run.getInfo().getArtifactUri());
        if (path == null || path.isEmpty() || path.equals("/")) {
            for (MlflowArtifacts.FileInfo f : files(runId)) {
                out.addFiles(Service.FileInfo.newBuilder().setPath(f.getPath()).setIsDir(false).setFileSize(f.getFileSize()));
            }
        }
        send(ctx, out);
    }

    /** {@code <experiment id>/<run id>/artifacts[/<file>]}, as MLflow's artifact proxy names a run's files. */
    private record ArtifactPath(String experimentId, String runId, String file) {
    }

    private ArtifactPath artifactPath(String path) {
        String[] parts = path == null ? new String[0] : path.replaceAll("^/+", "").split("/", 4);
        if (parts.length < 3 || !parts[2].equals("artifacts")) {
            throw MlflowError.invalid("artifact path '" + path + "' is not <experiment id>/<run id>/artifacts[/<file>]");
        }
        return new ArtifactPath(parts[0], parts[1], parts.length == 4 ? parts[3] : "");
    }

    private void proxyList(Context ctx, MlflowRequest req) throws IOException {
        ArtifactPath p = artifactPath(req.text("path"));
        Run run = run(p.runId());
        if (!run.getInfo().getExperimentId().equals(p.experimentId())) {
            throw MlflowError.notFound("Run " + p.runId() + " is not in experiment " + p.experimentId());
        }
        MlflowArtifacts.ListArtifacts.Response.Builder out = MlflowArtifacts.ListArtifacts.Response.newBuilder();
        if (p.file().isEmpty() || p.file().equals("/")) {
            files(p.runId()).forEach(out::addFiles);
        }
        send(ctx, out);
    }

    private void proxyDownload(Context ctx, MlflowRequest req) throws IOException {
        ArtifactPath p = artifactPath(ctx.pathParam("path"));
        if (p.file().isEmpty()) {
            throw MlflowError.invalid("name a file: " + ctx.pathParam("path") + "/<file>");
        }
        Run run = run(p.runId());
        if (!run.getInfo().getExperimentId().equals(p.experimentId())) {
            throw MlflowError.notFound("Run " + p.runId() + " is not in experiment " + p.experimentId());
        }
        byte[] bytes = file(p.runId(), p.file());
        ctx.status(200).contentType(p.file().endsWith(".json") ? "application/json" : "application/octet-stream")
                .header("Content-Disposition", "attachment; filename=\"" + p.file().replaceAll("[^A-Za-z0-9._-]", "_") + "\"").result(bytes);
    }

    // ---- registry

    private org.mlflow.api.proto.ModelRegistry.ModelVersion version(ModelVersion v) {
        String root = tracking.session(v.sessionId()).map(SessionRecord::artifactRoot).orElse(null);
        return MlflowRuns.version(v, root);
    }

    private org.mlflow.api.proto.ModelRegistry.RegisteredModel model(RegisteredModel m) {
        return MlflowRuns.registeredModel(m, m.versions().isEmpty() ? null : version(m.latest()));
    }

    private int versionNumber(String name, String given) {
        try {
            int v = Integer.parseInt(given.strip());
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw MlflowError.invalid("Invalid value " + given + " for parameter 'version': versions of " + name + " are whole numbers from 1");
    }

    private ModelVersion modelVersion(MlflowRequest req) {
        String name = req.required("name");
        return registry.version(new ModelName(name, null, versionNumber(name, req.required("version"))));
    }

    private void registeredModel(Context ctx, MlflowRequest req) {
        send(ctx, GetRegisteredModel.Response.newBuilder().setRegisteredModel(model(registry.model(req.required("name")))));
    }

    private void searchRegisteredModels(Context ctx, MlflowRequest req) {
        List<RunFilter.Condition> filter = RunFilter.parseNamed(req.text("filter"), List.of("name"));
        int max = req.bounded("max_results", 100, 1000);
        long offset = offset(req.text("page_token"));
        List<RegisteredModel> all = registry.models().stream()
                .filter(m -> filter.stream().allMatch(c -> RunFilter.test(c.comparator(), m.name(), c.text()))).toList();
        SearchRegisteredModels.Response.Builder out = SearchRegisteredModels.Response.newBuilder();
        all.stream().skip(offset).limit(max).forEach(m -> out.addRegisteredModels(model(m)));
        if (offset + max < all.size()) {
            out.setNextPageToken(token(offset + max));
        }
        send(ctx, out);
    }

    private void latestVersions(Context ctx, MlflowRequest req) {
        RegisteredModel m = registry.model(req.required("name"));
        org.mlflow.api.proto.ModelRegistry.GetLatestVersions.Response.Builder out = org.mlflow.api.proto.ModelRegistry.GetLatestVersions.Response.newBuilder();
        List<String> stages = req.list("stages");
        if (!m.versions().isEmpty() && (stages.isEmpty() || stages.stream().anyMatch(s -> s.equalsIgnoreCase("None")))) {
            out.addModelVersions(version(m.latest()));
        }
        send(ctx, out);
    }

    private void modelVersion(Context ctx, MlflowRequest req) {
        send(ctx, GetModelVersion.Response.newBuilder().setModelVersion(version(modelVersion(req))));
    }

    private void searchModelVersions(Context ctx, MlflowRequest req) {
        List<RunFilter.Condition> filter = RunFilter.parseNamed(req.text("filter"), List.of("name", "run_id", "version"));
        int max = req.bounded("max_results", 10_000, 200_000);
        long offset = offset(req.text("page_token"));
        List<ModelVersion> all = new ArrayList<>();
        for (RegisteredModel m : registry.models()) {
            for (ModelVersion v : m.versions()) {
                if (filter.stream().allMatch(c -> RunFilter.test(c.comparator(), switch (c.key()) {
                    case "name" -> v.name();
                    case "run_id" -> v.sessionId();
                    default -> Integer.toString(v.version());
                }, c.text()))) {
                    all.add(v);
                }
            }
        }
        SearchModelVersions.Response.Builder out = SearchModelVersions.Response.newBuilder();
        all.stream().skip(offset).limit(max).forEach(v -> out.addModelVersions(version(v)));
        if (offset + max < all.size()) {
            out.setNextPageToken(token(offset + max));
        }
        send(ctx, out);
    }

    private void downloadUri(Context ctx, MlflowRequest req) {
        ModelVersion v = modelVersion(req);
        String root = tracking.session(v.sessionId()).map(SessionRecord::artifactRoot)
                .orElseThrow(() -> MlflowError.notFound("the session " + v.sessionId() + " of " + v.ref() + " is gone"));
        send(ctx, GetModelVersionDownloadUri.Response.newBuilder().setArtifactUri(root));
    }

    private void alias(Context ctx, MlflowRequest req) {
        String name = req.required("name");
        String alias = req.required("alias");
        ModelVersion v = registry.version(new ModelName(name, ModelName.check("alias", alias), 0));
        send(ctx, org.mlflow.api.proto.ModelRegistry.GetModelVersionByAlias.Response.newBuilder().setModelVersion(version(v)));
    }

    private void setAlias(Context ctx, MlflowRequest req) {
        String name = req.required("name");
        String alias = ModelName.check("alias", req.required("alias"));
        registry.setAlias(name, alias, versionNumber(name, req.required("version")));
        send(ctx, org.mlflow.api.proto.ModelRegistry.SetRegisteredModelAlias.Response.getDefaultInstance());
    }

    private void deleteAlias(Context ctx, MlflowRequest req) {
        registry.deleteAlias(req.required("name"), ModelName.check("alias", req.required("alias")));
        send(ctx, org.mlflow.api.proto.ModelRegistry.DeleteRegisteredModelAlias.Response.getDefaultInstance());
    }

    // ---- paging of the small listings

    static String token(long offset) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("o:" + offset).getBytes(StandardCharsets.US_ASCII));
    }

    static long offset(String token) {
        if (token == null || token.isEmpty()) {
            return 0;
        }
        try {
            String s = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.US_ASCII);
            if (s.startsWith("o:")) {
                long v = Long.parseLong(s.substring(2));
                if (v >= 0) {
                    return v;
                }
            }
        } catch (IllegalArgumentException e) {
            // below
        }
        throw MlflowError.invalid("Invalid page token: pass the next_page_token of the previous page as it was");
    }
}
