package io.fleetml.mlflow;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.mlflow.api.proto.ModelRegistry;
import org.mlflow.api.proto.Service.CreateExperiment;
import org.mlflow.api.proto.Service.CreateRun;
import org.mlflow.api.proto.Service.Experiment;
import org.mlflow.api.proto.Service.FileInfo;
import org.mlflow.api.proto.Service.GetExperimentByName;
import org.mlflow.api.proto.Service.GetRun;
import org.mlflow.api.proto.Service.ListArtifacts;
import org.mlflow.api.proto.Service.LogBatch;
import org.mlflow.api.proto.Service.Metric;
import org.mlflow.api.proto.Service.Param;
import org.mlflow.api.proto.Service.Run;
import org.mlflow.api.proto.Service.RunData;
import org.mlflow.api.proto.Service.RunInfo;
import org.mlflow.api.proto.Service.RunStatus;
import org.mlflow.api.proto.Service.RunTag;
import org.mlflow.api.proto.Service.SearchRuns;
import org.mlflow.api.proto.Service.UpdateRun;
import org.mlflow_project.google.protobuf.InvalidProtocolBufferException;
import org.mlflow_project.google.protobuf.Message;
import org.mlflow_project.google.protobuf.MessageOrBuilder;
import org.mlflow_project.google.protobuf.util.JsonFormat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An MLflow tracking server's REST protocol, in memory, for tests and the export benchmark (no MLflow server can be
 * installed here). Every request body is parsed with MLflow's own protobuf messages by the strict
 * {@link JsonFormat#parser()}, so an unknown field is refused as MLflow refuses it; it refuses what MLflow's server
 * refuses (a missing {@code run_id}, more than 1,000 metrics, 100 params or 100 tags in a batch, a changed param, an
 * unknown run or experiment, bad keys) with MLflow's error JSON, and answers {@code runs/search} with filters on tags
 * and attributes, paged. It can be told to fail: every request after the N-th, or some requests once, with 503.
 *
 * <p>{@code main} runs it as a local HTTP server: {@code MlflowStandIn [PORT]} prints its URL and serves until killed.
 */
public final class MlflowStandIn implements AutoCloseable {
    private static final JsonFormat.Parser STRICT = JsonFormat.parser();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();
    private static final Pattern KEY = Pattern.compile("^[/\\w.\\- ]*$");
    private static final Pattern CLAUSE = Pattern.compile(
            "\\s*(tags|attributes|attribute|run|params|param)\\.(`[^`]+`|[\\w.]+)\\s*(=|!=)\\s*'((?:[^'\\\\]|\\\\.)*)'\\s*");

    /** A run as the server keeps it. */
    static final class StoredRun {
        final RunInfo.Builder info;
        final Map<String, String> params = new LinkedHashMap<>();
        final Map<String, String> tags = new LinkedHashMap<>();
        final Map<String, Metric> metrics = new LinkedHashMap<>();
        final AtomicLong metricRows = new AtomicLong();
        final long seq;

        StoredRun(RunInfo.Builder info, long seq) {
            this.info = info;
            this.seq = seq;
        }

        synchronized Run run() {
            RunData.Builder d = RunData.newBuilder();
            params.forEach((k, v) -> d.addParams(Param.newBuilder().setKey(k).setValue(v)));
            tags.forEach((k, v) -> d.addTags(RunTag.newBuilder().setKey(k).setValue(v)));
            d.addAllMetrics(metrics.values());
            return Run.newBuilder().setInfo(info.clone()).setData(d).build();
        }

        synchronized String tag(String key) {
            return tags.get(key);
        }
    }

    private final HttpServer server;
    private final Map<String, Experiment> experiments = new ConcurrentHashMap<>();
    private final Map<String, StoredRun> runs = new ConcurrentHashMap<>();
    private final Map<String, byte[]> artifacts = new ConcurrentHashMap<>();
    private final Map<String, ModelRegistry.RegisteredModel.Builder> models = new ConcurrentHashMap<>();
    private final Map<String, List<ModelRegistry.ModelVersion>> versions = new ConcurrentHashMap<>();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong runSeq = new AtomicLong();
    private volatile long failAfter = -1;
    private final Set<Long> failOnce = ConcurrentHashMap.newKeySet();
    private final AtomicLong refused = new AtomicLong();
    private volatile String artifactLocation = "mlflow-artifacts:/";
    private volatile String lastAuthorization;

    private MlflowStandIn(int port, int threads) throws IOException {
        // the JDK server writes a response's headers and body apart; without this, Nagle's algorithm and the client's
        // delayed ACK hold each answer back for up to 40 ms
        System.setProperty("sun.net.httpserver.nodelay", "true");
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 256);
        server.setExecutor(Executors.newFixedThreadPool(threads));
        server.createContext("/", this::handle);
        experiments.put("0", Experiment.newBuilder().setExperimentId("0").setName("Default").setLifecycleStage("active")
                .setArtifactLocation("mlflow-artifacts:/0").build());
        server.start();
    }

    public static MlflowStandIn start() {
        try {
            return new MlflowStandIn(0, 8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static void main(String[] args) throws IOException {
        MlflowStandIn s = new MlflowStandIn(args.length > 0 ? Integer.parseInt(args[0]) : 0, 16);
        System.out.println("MLflow protocol stand-in at " + s.url());
        System.out.flush();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Every request after the {@code n}-th answers 503 ({@code -1}: none). */
    public void failAfter(long n) {
        failAfter = n < 0 ? -1 : requests.get() + n;
    }

    /** The {@code n}-th request from now answers 503, once. */
    public void failOnce(long n) {
        failOnce.add(requests.get() + n);
    }

    public long requests() {
        return requests.get();
    }

    /** Where experiments created from now keep artifacts ({@code mlflow-artifacts:/} by default: proxied). */
    public void artifactLocation(String root) {
        artifactLocation = root;
    }

    /** The Authorization header of the last request, or null. */
    public String lastAuthorization() {
        return lastAuthorization;
    }

    /** Requests answered with 503 on purpose. */
    public long refused() {
        return refused.get();
    }

    public List<Run> runs() {
        return runs.values().stream().sorted(Comparator.comparingLong(r -> r.seq)).map(StoredRun::run).toList();
    }

    public List<Run> children(String parentRunId) {
        return runs().stream().filter(r -> parentRunId.equals(tag(r, MlflowView.PARENT_RUN_ID))).toList();
    }

    public Map<String, byte[]> artifacts() {
        return new TreeMap<>(artifacts);
    }

    public ModelRegistry.RegisteredModel model(String name) {
        return models.get(name).build();
    }

    public List<ModelRegistry.ModelVersion> versions(String name) {
        return List.copyOf(versions.getOrDefault(name, List.of()));
    }

    public static String tag(Run r, String key) {
        return r.getData().getTagsList().stream().filter(t -> t.getKey().equals(key)).map(RunTag::getValue).findFirst().orElse(null);
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }

    // ---- protocol

    /** An MLflow error answer. */
    static final class Refusal extends RuntimeException {
        final int status;
        final String code;

        Refusal(int status, String code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }
    }

    private static Refusal invalid(String message) {
        return new Refusal(400, "INVALID_PARAMETER_VALUE", message);
    }

    private static Refusal missing(String what) {
        return new Refusal(404, "RESOURCE_DOES_NOT_EXIST", what);
    }

    private void handle(HttpExchange x) throws IOException {
        long n = requests.incrementAndGet();
        lastAuthorization = x.getRequestHeaders().getFirst("Authorization");
        try (x) {
            byte[] body = x.getRequestBody().readAllBytes();
            if (failAfter >= 0 && n > failAfter || failOnce.remove(n)) {
                refused.incrementAndGet();
                answer(x, 503, "{\"error_code\":\"TEMPORARILY_UNAVAILABLE\",\"message\":\"stand-in told to fail\"}");
                return;
            }
            try {
                answer(x, 200, route(x.getRequestMethod(), x.getRequestURI(), body));
            } catch (Refusal r) {
                answer(x, r.status, "{\"error_code\":\"" + r.code + "\",\"message\":" + quoteJson(r.getMessage()) + "}");
            } catch (InvalidProtocolBufferException e) {
                answer(x, 400, "{\"error_code\":\"INVALID_PARAMETER_VALUE\",\"message\":" + quoteJson("Invalid JSON in request: " + e.getMessage()) + "}");
            } catch (RuntimeException e) {
                answer(x, 500, "{\"error_code\":\"INTERNAL_ERROR\",\"message\":" + quoteJson(String.valueOf(e)) + "}");
            }
        }
    }

    private static void answer(HttpExchange x, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
    }

    private String route(String method, URI uri, byte[] body) throws InvalidProtocolBufferException {
        String path = uri.getRawPath();
        String artifactsPrefix = "/api/2.0/mlflow-artifacts/artifacts";
        if (path.startsWith(artifactsPrefix)) {
            return artifact(method, URLDecoder.decode(path.substring(artifactsPrefix.length()), StandardCharsets.UTF_8), uri.getRawQuery(), body);
        }
        String prefix = "/api/2.0/mlflow/";
        if (!path.startsWith(prefix)) {
            throw new Refusal(404, "ENDPOINT_NOT_FOUND", "no endpoint " + path);
        }
        String endpoint = method + " " + path.substring(prefix.length());
        String json = method.equals("GET") ? queryJson(uri.getRawQuery()) : new String(body, StandardCharsets.UTF_8);
        return switch (endpoint) {
            case "GET experiments/get-by-name" -> print(getExperimentByName(parse(json, GetExperimentByName.newBuilder())));
            case "POST experiments/create" -> print(createExperiment(parse(json, CreateExperiment.newBuilder())));
            case "POST runs/create" -> print(createRun(parse(json, CreateRun.newBuilder())));
            case "POST runs/log-batch" -> print(logBatch(parse(json, LogBatch.newBuilder())));
            case "POST runs/update" -> print(updateRun(parse(json, UpdateRun.newBuilder())));
            case "GET runs/get" -> print(GetRun.Response.newBuilder().setRun(run(parse(json, GetRun.newBuilder()).getRunId()).run()));
            case "POST runs/search" -> print(search(parse(json, SearchRuns.newBuilder())));
            case "GET registered-models/get" -> print(getModel(parse(json, ModelRegistry.GetRegisteredModel.newBuilder())));
            case "POST registered-models/create" -> print(createModel(parse(json, ModelRegistry.CreateRegisteredModel.newBuilder())));
            case "POST model-versions/create" -> print(createVersion(parse(json, ModelRegistry.CreateModelVersion.newBuilder())));
            case "GET model-versions/search" -> print(searchVersions(parse(json, ModelRegistry.SearchModelVersions.newBuilder())));
            case "POST registered-models/alias" -> print(setAlias(parse(json, ModelRegistry.SetRegisteredModelAlias.newBuilder())));
            default -> throw new Refusal(404, "ENDPOINT_NOT_FOUND", "the stand-in does not serve " + endpoint);
        };
    }

    private static <B extends Message.Builder> B parse(String json, B builder) throws InvalidProtocolBufferException {
        STRICT.merge(json.isBlank() ? "{}" : json, builder);
        return builder;
    }

    private static String print(MessageOrBuilder m) {
        try {
            return PRINTER.print(m);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    /** GET parameters as the JSON object MLflow's server parses them into the request message. */
    private static String queryJson(String rawQuery) {
        StringBuilder b = new StringBuilder("{");
        if (rawQuery != null && !rawQuery.isEmpty()) {
            for (String pair : rawQuery.split("&")) {
                int eq = pair.indexOf('=');
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                b.append(b.length() == 1 ? "" : ",").append(quoteJson(k)).append(':').append(quoteJson(v));
            }
        }
        return b.append('}').toString();
    }

    private static void required(boolean present, String field) {
        if (!present) {
            throw invalid("Missing value for required parameter '" + field + "'. See the API docs for more information about request parameters.");
        }
    }

    private GetExperimentByName.Response getExperimentByName(GetExperimentByName.Builder q) {
        required(q.hasExperimentName(), "experiment_name");
        return experiments.values().stream().filter(e -> e.getName().equals(q.getExperimentName())).findFirst()
                .map(e -> GetExperimentByName.Response.newBuilder().setExperiment(e).build())
                .orElseThrow(() -> missing("Could not find experiment with name '" + q.getExperimentName() + "'"));
    }

    private synchronized CreateExperiment.Response createExperiment(CreateExperiment.Builder q) {
        required(q.hasName() && !q.getName().isEmpty(), "name");
        if (experiments.values().stream().anyMatch(e -> e.getName().equals(q.getName()))) {
            throw new Refusal(400, "RESOURCE_ALREADY_EXISTS", "Experiment '" + q.getName() + "' already exists.");
        }
        String id = String.valueOf(experiments.size());
        experiments.put(id, Experiment.newBuilder().setExperimentId(id).setName(q.getName()).setLifecycleStage("active")
                .setArtifactLocation(artifactLocation + id).build());
        return CreateExperiment.Response.newBuilder().setExperimentId(id).build();
    }

    private static void checkKey(String key, String what) {
        if (key.isEmpty() || !KEY.matcher(key).matches() || key.contains("..") || key.startsWith("/")) {
            throw invalid("Invalid " + what + " name: '" + key + "'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), "
                    + "spaces ( ), and slashes (/).");
        }
    }

    private static void checkTag(RunTag t) {
        checkKey(t.getKey(), "tag");
        if (t.getKey().length() > 250 || t.getValue().length() > 8000) {
            throw invalid("Tag '" + t.getKey() + "' had length " + t.getValue().length() + ", which exceeded length limit of 8000");
        }
    }

    private CreateRun.Response createRun(CreateRun.Builder q) {
        String exp = q.hasExperimentId() ? q.getExperimentId() : "0";
        Experiment e = experiments.get(exp);
        if (e == null) {
            throw missing("No Experiment with id=" + exp + " exists");
        }
        String name = q.getRunName();
        for (RunTag t : q.getTagsList()) {
            checkTag(t);
            if (t.getKey().equals(MlflowView.RUN_NAME) && q.hasRunName() && !t.getValue().equals(name)) {
                throw invalid("Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values");
            }
        }
        String id = UUID.randomUUID().toString().replace("-", "");
        RunInfo.Builder info = RunInfo.newBuilder().setRunId(id).setRunUuid(id).setExperimentId(exp).setRunName(name).setStatus(RunStatus.RUNNING)
                .setStartTime(q.getStartTime()).setLifecycleStage("active").setArtifactUri(e.getArtifactLocation() + "/" + id + "/artifacts");
        StoredRun r = new StoredRun(info, runSeq.incrementAndGet());
        q.getTagsList().forEach(t -> r.tags.put(t.getKey(), t.getValue()));
        r.tags.putIfAbsent(MlflowView.RUN_NAME, name);
        runs.put(id, r);
        return CreateRun.Response.newBuilder().setRun(r.run()).build();
    }

    private StoredRun run(String id) {
        StoredRun r = runs.get(id);
        if (r == null) {
            throw missing("Run '" + id + "' not found");
        }
        return r;
    }

    private LogBatch.Response logBatch(LogBatch.Builder q) {
        required(q.hasRunId() && !q.getRunId().isEmpty(), "run_id");
        if (q.getMetricsCount() > 1000) {
            throw invalid("A batch logging request can contain at most 1000 metrics. Got " + q.getMetricsCount() + " metrics.");
        }
        if (q.getParamsCount() > 100) {
            throw invalid("A batch logging request can contain at most 100 params. Got " + q.getParamsCount() + " params.");
        }
        if (q.getTagsCount() > 100) {
            throw invalid("A batch logging request can contain at most 100 tags. Got " + q.getTagsCount() + " tags.");
        }
        int total = q.getMetricsCount() + q.getParamsCount() + q.getTagsCount();
        if (total > 1000) {
            throw invalid("A batch logging request can contain at most 1000 total entities. Got " + total + ".");
        }
        StoredRun r = run(q.getRunId());
        for (Metric m : q.getMetricsList()) {
            checkKey(m.getKey(), "metric");
            required(m.hasTimestamp(), "metrics[" + m.getKey() + "].timestamp");
            required(m.hasValue(), "metrics[" + m.getKey() + "].value");
        }
        for (Param p : q.getParamsList()) {
            checkKey(p.getKey(), "parameter");
            if (p.getValue().length() > 6000) {
                throw invalid("Param '" + p.getKey() + "' had length " + p.getValue().length() + ", which exceeded length limit of 6000");
            }
        }
        q.getTagsList().forEach(MlflowStandIn::checkTag);
        synchronized (r) {
            if (!r.info.getLifecycleStage().equals("active")) {
                throw invalid("The run " + q.getRunId() + " must be in the 'active' state.");
            }
            for (Param p : q.getParamsList()) {
                String had = r.params.get(p.getKey());
                if (had != null && !had.equals(p.getValue())) {
                    throw invalid("Changing param values is not allowed. Param with key='" + p.getKey() + "' was already logged with value='" + had
                            + "' for run ID='" + q.getRunId() + "'. Attempted logging new value '" + p.getValue() + "'.");
                }
            }
            q.getParamsList().forEach(p -> r.params.put(p.getKey(), p.getValue()));
            q.getTagsList().forEach(t -> r.tags.put(t.getKey(), t.getValue()));
            q.getMetricsList().forEach(m -> r.metrics.put(m.getKey(), m));
            r.metricRows.addAndGet(q.getMetricsCount());
        }
        return LogBatch.Response.getDefaultInstance();
    }

    private UpdateRun.Response updateRun(UpdateRun.Builder q) {
        String id = q.hasRunId() ? q.getRunId() : q.getRunUuid();
        required(!id.isEmpty(), "run_id");
        StoredRun r = run(id);
        synchronized (r) {
            if (q.hasStatus()) {
                r.info.setStatus(q.getStatus());
            }
            if (q.hasEndTime()) {
                r.info.setEndTime(q.getEndTime());
            }
            if (q.hasRunName()) {
                r.info.setRunName(q.getRunName());
                r.tags.put(MlflowView.RUN_NAME, q.getRunName());
            }
        }
        return UpdateRun.Response.newBuilder().setRunInfo(r.run().getInfo()).build();
    }

    private SearchRuns.Response search(SearchRuns.Builder q) {
        if (q.getExperimentIdsCount() == 0) {
            throw invalid("Missing value for required parameter 'experiment_ids'.");
        }
        int max = q.hasMaxResults() ? q.getMaxResults() : 1000;
        if (max <= 0 || max > 50000) {
            throw invalid("Invalid value " + max + " for parameter 'max_results' supplied. It must be a positive integer <= 50000");
        }
        List<String[]> clauses = new ArrayList<>();
        if (q.hasFilter() && !q.getFilter().isBlank()) {
            for (String c : q.getFilter().split("(?i)\\s+and\\s+")) {
                Matcher m = CLAUSE.matcher(c);
                if (!m.matches()) {
                    throw invalid("Invalid filter '" + q.getFilter() + "': cannot parse '" + c.strip() + "'");
                }
                String key = m.group(2).startsWith("`") ? m.group(2).substring(1, m.group(2).length() - 1) : m.group(2);
                String type = m.group(1).startsWith("attribute") || m.group(1).equals("run") ? "attributes" : m.group(1).startsWith("param") ? "params" : "tags";
                if (type.equals("attributes") && !Set.of("run_name", "status", "run_id").contains(key)) {
                    throw invalid("Invalid attribute key '" + key + "' specified.");
                }
                clauses.add(new String[]{type, key, m.group(3), m.group(4).replace("\\'", "'")});
            }
        }
        Set<String> exps = Set.copyOf(q.getExperimentIdsList());
        List<StoredRun> hits = runs.values().stream().filter(r -> exps.contains(r.info.getExperimentId()))
                .filter(r -> r.info.getLifecycleStage().equals("active")).filter(r -> clauses.stream().allMatch(c -> matches(r, c)))
                .sorted(Comparator.comparingLong((StoredRun r) -> -r.info.getStartTime()).thenComparing(r -> r.info.getRunId())).toList();
        int offset;
        try {
            offset = q.hasPageToken() && !q.getPageToken().isEmpty() ? Integer.parseInt(q.getPageToken()) : 0;
        } catch (NumberFormatException e) {
            throw invalid("Invalid page token, could not base64-decode");
        }
        SearchRuns.Response.Builder b = SearchRuns.Response.newBuilder();
        hits.stream().skip(offset).limit(max).forEach(r -> b.addRuns(r.run()));
        if (offset + max < hits.size()) {
            b.setNextPageToken(String.valueOf(offset + max));
        }
        return b.build();
    }

    private static boolean matches(StoredRun r, String[] c) {
        String value;
        synchronized (r) {
            value = switch (c[0]) {
                case "tags" -> r.tags.get(c[1]);
                case "params" -> r.params.get(c[1]);
                default -> switch (c[1]) {
                    case "run_name" -> r.info.getRunName();
                    case "status" -> r.info.getStatus().name();
                    default -> r.info.getRunId();
                };
            };
        }
        return value != null && (c[2].equals("=") == value.equals(c[3]));
    }

    // ---- artifacts

    private String artifact(String method, String path, String rawQuery, byte[] body) {
        if (method.equals("PUT")) {
            String p = path.replaceFirst("^/", "");
            checkArtifactPath(p);
            artifacts.put(p, body);
            return "{}";
        }
        if (method.equals("GET") && (path.isEmpty() || path.equals("/"))) {
            String folder = "";
            if (rawQuery != null) {
                for (String pair : rawQuery.split("&")) {
                    if (pair.startsWith("path=")) {
                        folder = URLDecoder.decode(pair.substring(5), StandardCharsets.UTF_8);
                    }
                }
            }
            checkArtifactPath(folder);
            String prefix = folder.isEmpty() ? "" : folder.replaceAll("/+$", "") + "/";
            ListArtifacts.Response.Builder b = ListArtifacts.Response.newBuilder();
            java.util.TreeSet<String> dirs = new java.util.TreeSet<>();
            new TreeMap<>(artifacts).forEach((p, bytes) -> {
                if (p.startsWith(prefix)) {
                    String rest = p.substring(prefix.length());
                    int slash = rest.indexOf('/');
                    if (slash < 0) {
                        b.addFiles(FileInfo.newBuilder().setPath(rest).setIsDir(false).setFileSize(bytes.length));
                    } else {
                        dirs.add(rest.substring(0, slash));
                    }
                }
            });
            dirs.forEach(d -> b.addFiles(FileInfo.newBuilder().setPath(d).setIsDir(true)));
            return print(b);
        }
        throw new Refusal(405, "BAD_REQUEST", method + " artifacts is not served by the stand-in");
    }

    /** MLflow refuses artifact paths that climb out ({@code ..}) or are absolute, and the run must exist. */
    private void checkArtifactPath(String p) {
        if (p.contains("..") || p.startsWith("/") || p.contains("\\")) {
            throw new Refusal(400, "INVALID_PARAMETER_VALUE", "Invalid path");
        }
        String[] parts = p.split("/");
        if (parts.length >= 3 && parts[2].equals("artifacts") && !runs.containsKey(parts[1])) {
            throw missing("Run '" + parts[1] + "' not found");
        }
    }

    // ---- registry

    private ModelRegistry.RegisteredModel.Builder model0(String name) {
        ModelRegistry.RegisteredModel.Builder m = models.get(name);
        if (m == null) {
            throw missing("Registered Model with name=" + name + " not found");
        }
        return m;
    }

    private ModelRegistry.GetRegisteredModel.Response getModel(ModelRegistry.GetRegisteredModel.Builder q) {
        required(q.hasName(), "name");
        synchronized (this) {
            return ModelRegistry.GetRegisteredModel.Response.newBuilder().setRegisteredModel(model0(q.getName())).build();
        }
    }

    private synchronized ModelRegistry.CreateRegisteredModel.Response createModel(ModelRegistry.CreateRegisteredModel.Builder q) {
        required(q.hasName() && !q.getName().isEmpty(), "name");
        if (models.containsKey(q.getName())) {
            throw new Refusal(400, "RESOURCE_ALREADY_EXISTS", "Registered Model (name=" + q.getName() + ") already exists.");
        }
        ModelRegistry.RegisteredModel.Builder m = ModelRegistry.RegisteredModel.newBuilder().setName(q.getName()).setDescription(q.getDescription())
                .setCreationTimestamp(System.currentTimeMillis());
        models.put(q.getName(), m);
        return ModelRegistry.CreateRegisteredModel.Response.newBuilder().setRegisteredModel(m).build();
    }

    private synchronized ModelRegistry.CreateModelVersion.Response createVersion(ModelRegistry.CreateModelVersion.Builder q) {
        required(q.hasName(), "name");
        required(q.hasSource() && !q.getSource().isEmpty(), "source");
        model0(q.getName());
        if (q.hasRunId()) {
            run(q.getRunId());
        }
        List<ModelRegistry.ModelVersion> vs = versions.computeIfAbsent(q.getName(), k -> new ArrayList<>());
        ModelRegistry.ModelVersion v = ModelRegistry.ModelVersion.newBuilder().setName(q.getName()).setVersion(String.valueOf(vs.size() + 1))
                .setSource(q.getSource()).setRunId(q.getRunId()).setDescription(q.getDescription()).addAllTags(q.getTagsList())
                .setStatus(ModelRegistry.ModelVersionStatus.READY).setCreationTimestamp(System.currentTimeMillis()).build();
        vs.add(v);
        return ModelRegistry.CreateModelVersion.Response.newBuilder().setModelVersion(v).build();
    }

    private synchronized ModelRegistry.SearchModelVersions.Response searchVersions(ModelRegistry.SearchModelVersions.Builder q) {
        List<String[]> clauses = new ArrayList<>();
        if (q.hasFilter() && !q.getFilter().isBlank()) {
            for (String c : q.getFilter().split("(?i)\\s+and\\s+")) {
                Matcher m = Pattern.compile("\\s*(name|run_id|source_path)\\s*=\\s*'((?:[^'\\\\]|\\\\.)*)'\\s*").matcher(c);
                if (!m.matches()) {
                    throw invalid("Invalid filter '" + q.getFilter() + "'");
                }
                clauses.add(new String[]{m.group(1), m.group(2)});
            }
        }
        ModelRegistry.SearchModelVersions.Response.Builder b = ModelRegistry.SearchModelVersions.Response.newBuilder();
        versions.values().stream().flatMap(List::stream).filter(v -> clauses.stream().allMatch(c -> switch (c[0]) {
            case "name" -> v.getName().equals(c[1]);
            case "run_id" -> v.getRunId().equals(c[1]);
            default -> v.getSource().equals(c[1]);
        })).forEach(b::addModelVersions);
        return b.build();
    }

    private synchronized ModelRegistry.SetRegisteredModelAlias.Response setAlias(ModelRegistry.SetRegisteredModelAlias.Builder q) {
        required(q.hasName(), "name");
        required(q.hasAlias(), "alias");
        required(q.hasVersion(), "version");
        ModelRegistry.RegisteredModel.Builder m = model0(q.getName());
        if (versions.getOrDefault(q.getName(), List.of()).stream().noneMatch(v -> v.getVersion().equals(q.getVersion()))) {
            throw missing("Model Version (name=" + q.getName() + ", version=" + q.getVersion() + ") not found");
        }
        List<ModelRegistry.RegisteredModelAlias> kept = new ArrayList<>(m.getAliasesList().stream().filter(a -> !a.getAlias().equals(q.getAlias())).toList());
        kept.add(ModelRegistry.RegisteredModelAlias.newBuilder().setAlias(q.getAlias()).setVersion(q.getVersion()).build());
        m.clearAliases().addAllAliases(kept);
        return ModelRegistry.SetRegisteredModelAlias.Response.getDefaultInstance();
    }

    private static String quoteJson(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
