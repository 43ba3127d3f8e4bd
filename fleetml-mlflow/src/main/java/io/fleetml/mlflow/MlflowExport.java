package io.fleetml.mlflow;

import io.fleetml.store.DeviceQuery;
import io.fleetml.store.DeviceResults;
import io.fleetml.store.FleetStore;
import io.fleetml.store.ModelUri;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.SessionStatus;
import io.fleetml.store.StoreException;
import io.fleetml.train.TrainOutcome;
import org.mlflow.api.proto.ModelRegistry;
import org.mlflow.api.proto.Service.CreateExperiment;
import org.mlflow.api.proto.Service.CreateRun;
import org.mlflow.api.proto.Service.Experiment;
import org.mlflow.api.proto.Service.FileInfo;
import org.mlflow.api.proto.Service.GetExperimentByName;
import org.mlflow.api.proto.Service.LogBatch;
import org.mlflow.api.proto.Service.Metric;
import org.mlflow.api.proto.Service.Param;
import org.mlflow.api.proto.Service.Run;
import org.mlflow.api.proto.Service.RunStatus;
import org.mlflow.api.proto.Service.RunTag;
import org.mlflow.api.proto.Service.SearchRuns;
import org.mlflow.api.proto.Service.UpdateRun;
import org.mlflow.api.proto.Service.ViewType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Puts a finished session into an MLflow server: the session as a parent run (params, tags, metrics, status and
 * times as {@link MlflowView} says), its results table, model packs and an {@code MLmodel} as the parent run's
 * artifacts, one nested run per device the {@link NestedPolicy} picks, and optionally a registered-model version.
 *
 * <p><b>Idempotent.</b> Runs carry {@link MlflowView#SESSION_TAG} and {@link MlflowView#DEVICE_TAG}. An export looks
 * for the session's parent run in the experiment first; when there is one, it lists its nested runs
 * ({@code runs/search} on {@code tags.mlflow.parentRunId}, paged) and creates only the missing ones, completes the
 * ones a broken export left {@code RUNNING}, logs only the parent's missing params and metrics, and skips packs
 * already uploaded whole. Running it again after an interruption finishes the job; running it after success changes
 * nothing.
 *
 * <p>A nested run costs three requests ({@code runs/create} with its tags, {@code runs/log-batch} with its metrics,
 * {@code runs/update} with its status and end time; MLflow has no fewer); they run {@code parallel} devices at a time.
 */
public final class MlflowExport {
    /** The parent run's artifact folder that is an MLflow model (python_function flavor) of the whole fleet. */
    public static final String MODEL_PATH = "fleet_model";
    /** MLflow's limits on one log-batch request. */
    static final int MAX_METRICS = 1000;
    static final int MAX_PARAMS = 100;
    static final int MAX_TAGS = 100;
    static final int MAX_ENTITIES = 1000;
    /** Tag values are cut here: MLflow 2.x accepts at least 5,000 characters (later versions 8,000). */
    static final int MAX_TAG = 5000;
    private static final int PAGE = 1000;
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,200}");

    /**
     * What to export.
     *
     * @param experiment    the MLflow experiment (created when missing); null for the session's own experiment name
     * @param nested        which devices get a nested run
     * @param registerName  the registered model to add a version to, or null
     * @param registerAlias the alias to point at that version, or null
     * @param parallel      requests in flight at once
     */
    public record Options(String experiment, NestedPolicy nested, String registerName, String registerAlias, int parallel) {
        public Options {
            if (parallel < 1) {
                throw new IllegalArgumentException("--parallel must be at least 1");
            }
        }

        public static Options defaults() {
            return new Options(null, NestedPolicy.DEFAULT, null, null, 8);
        }
    }

    /**
     * What an export did.
     *
     * @param parentCreated   whether the parent run was created now (else an earlier export's was found)
     * @param nestedSelected  devices the policy picked
     * @param nestedCreated   nested runs created now
     * @param nestedCompleted nested runs an earlier, interrupted export had left running, completed now
     * @param nestedExisting  nested runs an earlier export had made complete, left alone
     * @param nestedSeconds   the time the nested runs took
     * @param uploaded        artifact files uploaded
     * @param kept            model packs already uploaded whole by an earlier export, not sent again
     * @param modelUri        the fleet model's artifact URI ({@code <parent artifact URI>/fleet_model})
     * @param registered      the version registered ({@code NAME/VERSION}), or null
     * @param warnings        what could not be exported, for the user
     */
    public record Result(String experimentId, String experimentName, String parentRunId, boolean parentCreated, long nestedSelected,
                         long nestedCreated, long nestedCompleted, long nestedExisting, double nestedSeconds, int uploaded, int kept,
                         String modelUri, String registered, long requests, long retries, double seconds, List<String> warnings) {
        /** Nested runs created or completed a second. */
        public double nestedPerSecond() {
            return nestedSeconds <= 0 ? 0 : (nestedCreated + nestedCompleted) / nestedSeconds;
        }
    }

    private final MlflowHttp http;
    private final FleetStore store;

    public MlflowExport(MlflowHttp http, FleetStore store) {
        this.http = http;
        this.store = store;
    }

    /**
     * Exports {@code session}.
     *
     * @throws StoreException CONFLICT when the session is still running
     * @throws MlflowException when the server refuses a request, or does not answer after the retries; what was
     *                         exported stays, and the same export run again completes it
     */
    public Result export(SessionRecord session, Options options) {
        if (session.status() == SessionStatus.RUNNING) {
            throw StoreException.conflict("session " + session.id() + " is still running; export it when it has finished "
                    + "(fleetml train --mlflow URL exports when training ends)");
        }
        long t0 = System.nanoTime();
        long requests0 = http.requests();
        long retries0 = http.retries();
        List<String> warnings = new ArrayList<>();
        String experimentName = options.experiment() != null ? options.experiment() : session.experiment();
        String experimentId = experiment(experimentName);

        Run parent = findParent(experimentId, session.id());
        boolean created = parent == null;
        long start = MlflowView.millis(session.startedAt());
        long end = session.endedAt() == null ? 0 : MlflowView.millis(session.endedAt());
        if (created) {
            parent = http.post("runs/create", CreateRun.newBuilder().setExperimentId(experimentId).setRunName(session.id()).setStartTime(start)
                    .addAllTags(tags(MlflowView.tags(session))), CreateRun.Response.newBuilder()).getRun();
        }
        String parentId = parent.getInfo().getRunId();
        logParent(parent, session, created, end == 0 ? start : end);

        long n0 = System.nanoTime();
        Nested nested = nested(session, experimentId, parentId, created, options, start, end == 0 ? start : end);
        double nestedSeconds = (System.nanoTime() - n0) / 1e9;

        Uploads up = artifacts(session, parent, experimentId, options.parallel(), warnings);
        String modelUri = trimSlash(parent.getInfo().getArtifactUri()) + "/" + MODEL_PATH;
        String registered = null;
        if (options.registerName() != null) {
            if (!up.model()) {
                throw new MlflowException("exported session " + session.id() + " as run " + parentId + ", but not registered "
                        + options.registerName() + ": its models could not be uploaded (" + String.join("; ", warnings) + ")", 0, null, null);
            }
            registered = register(options.registerName(), options.registerAlias(), modelUri, parentId, session);
        }
        RunStatus status = MlflowView.status(session.status());
        if (parent.getInfo().getStatus() != status || parent.getInfo().getEndTime() != end) {
            UpdateRun.Builder u = UpdateRun.newBuilder().setRunId(parentId).setStatus(status);
            if (end > 0) {
                u.setEndTime(end);
            }
            http.post("runs/update", u, UpdateRun.Response.newBuilder());
        }
        return new Result(experimentId, experimentName, parentId, created, nested.selected, nested.created.get(), nested.completed.get(),
                nested.existing, nestedSeconds, up.uploaded(), up.kept(), modelUri, registered, http.requests() - requests0,
                http.retries() - retries0, (System.nanoTime() - t0) / 1e9, List.copyOf(warnings));
    }

    // ---- experiment and parent run

    private String experiment(String name) {
        try {
            Experiment e = http.get("experiments/get-by-name", Map.of("experiment_name", name), GetExperimentByName.Response.newBuilder())
                    .getExperiment();
            if ("deleted".equals(e.getLifecycleStage())) {
                throw new MlflowException("experiment '" + name + "' is deleted in MLflow at " + http.base() + "; restore it there, or export "
                        + "to another one with --experiment NAME", 400, "INVALID_STATE", null);
            }
            return e.getExperimentId();
        } catch (MlflowException e) {
            if (!e.notFound()) {
                throw e;
            }
        }
        try {
            return http.post("experiments/create", CreateExperiment.newBuilder().setName(name), CreateExperiment.Response.newBuilder())
                    .getExperimentId();
        } catch (MlflowException e) {
            if (!e.alreadyExists()) { // another export created it meanwhile
                throw e;
            }
            return http.get("experiments/get-by-name", Map.of("experiment_name", name), GetExperimentByName.Response.newBuilder())
                    .getExperiment().getExperimentId();
        }
    }

    /** The session's parent run in the experiment: its session tag, its name, and no device tag; the oldest if several. */
    private Run findParent(String experimentId, String sessionId) {
        AtomicReference<Run> found = new AtomicReference<>();
        search(experimentId, "tags.`" + MlflowView.SESSION_TAG + "` = '" + quote(sessionId) + "' and attributes.run_name = '"
                + quote(sessionId) + "'", run -> {
            boolean device = run.getData().getTagsList().stream().anyMatch(t -> t.getKey().equals(MlflowView.DEVICE_TAG));
            if (!device && (found.get() == null || run.getInfo().getStartTime() < found.get().getInfo().getStartTime())) {
                found.set(run);
            }
        });
        return found.get();
    }

    private void logParent(Run parent, SessionRecord session, boolean created, long timestamp) {
        Map<String, String> params = MlflowView.params(session);
        Map<String, Double> metrics = MlflowView.metrics(session);
        Map<String, String> tags = new LinkedHashMap<>();
        if (!created) { // an earlier export's run: only what it lacks (MLflow refuses to change a param)
            parent.getData().getParamsList().forEach(p -> params.remove(p.getKey()));
            parent.getData().getMetricsList().forEach(m -> metrics.remove(m.getKey()));
            Map<String, String> have = new HashMap<>();
            parent.getData().getTagsList().forEach(t -> have.put(t.getKey(), t.getValue()));
            MlflowView.tags(session).forEach((k, v) -> {
                if (!cut(v, MAX_TAG).equals(have.get(k))) {
                    tags.put(k, v);
                }
            });
        }
        logBatch(parent.getInfo().getRunId(), params, metrics, tags, timestamp);
    }

    /** log-batch requests within MLflow's limits: at most 100 params, 100 tags, 1,000 metrics and 1,000 of all a request. */
    void logBatch(String runId, Map<String, String> params, Map<String, Double> metrics, Map<String, String> tags, long timestamp) {
        List<Param> p = new ArrayList<>();
        params.forEach((k, v) -> p.add(Param.newBuilder().setKey(k).setValue(v).build()));
        List<RunTag> t = tags(tags);
        List<Metric> m = new ArrayList<>();
        metrics.forEach((k, v) -> m.add(Metric.newBuilder().setKey(k).setValue(v).setTimestamp(timestamp).setStep(0).build()));
        int ip = 0;
        int it = 0;
        int im = 0;
        while (ip < p.size() || it < t.size() || im < m.size()) {
            LogBatch.Builder b = LogBatch.newBuilder().setRunId(runId);
            int np = Math.min(MAX_PARAMS, p.size() - ip);
            int nt = Math.min(MAX_TAGS, t.size() - it);
            int nm = Math.min(Math.min(MAX_METRICS, MAX_ENTITIES - np - nt), m.size() - im);
            b.addAllParams(p.subList(ip, ip + np)).addAllTags(t.subList(it, it + nt)).addAllMetrics(m.subList(im, im + nm));
            ip += np;
            it += nt;
            im += nm;
            http.post("runs/log-batch", b, LogBatch.Response.newBuilder());
        }
    }

    private static List<RunTag> tags(Map<String, String> tags) {
        List<RunTag> t = new ArrayList<>();
        tags.forEach((k, v) -> t.add(RunTag.newBuilder().setKey(k).setValue(cut(v, MAX_TAG)).build()));
        return t;
    }

    /** Every active run of the experiment the filter selects, page by page. */
    private void search(String experimentId, String filter, Consumer<Run> each) {
        String token = "";
        do {
            SearchRuns.Builder q = SearchRuns.newBuilder().addExperimentIds(experimentId).setFilter(filter).setRunViewType(ViewType.ACTIVE_ONLY)
                    .setMaxResults(PAGE);
            if (!token.isEmpty()) {
                q.setPageToken(token);
            }
            SearchRuns.Response.Builder page = http.post("runs/search", q, SearchRuns.Response.newBuilder());
            page.getRunsList().forEach(each);
            token = page.getNextPageToken();
        } while (!token.isEmpty());
    }

    // ---- nested runs

    /** A nested run an earlier export made: complete when its status was set (the last of its three requests). */
    private record Existing(String runId, boolean complete, Set<String> metrics) {
    }

    private static final class Nested {
        long selected;
        long existing;
        final AtomicLong created = new AtomicLong();
        final AtomicLong completed = new AtomicLong();
    }

    private Nested nested(SessionRecord session, String experimentId, String parentId, boolean parentCreated, Options options, long start, long end) {
        Nested n = new Nested();
        List<DeviceQuery> queries = options.nested().queries(store.tracking(), session.id());
        if (queries.isEmpty()) {
            return n;
        }
        Map<String, Existing> existing = new HashMap<>();
        if (!parentCreated) {
            search(experimentId, "tags.mlflow.parentRunId = '" + quote(parentId) + "'", run -> {
                String device = run.getData().getTagsList().stream().filter(t -> t.getKey().equals(MlflowView.DEVICE_TAG))
                        .map(RunTag::getValue).findFirst().orElse(null);
                if (device != null) {
                    boolean complete = run.getInfo().getStatus() != RunStatus.RUNNING;
                    existing.merge(device, new Existing(run.getInfo().getRunId(), complete, complete ? Set.of()
                            : Set.copyOf(run.getData().getMetricsList().stream().map(Metric::getKey).toList())), (a, b) -> a.complete() ? a : b);
                }
            });
        }
        ExecutorService pool = Executors.newFixedThreadPool(options.parallel(), r -> {
            Thread t = new Thread(r, "mlflow-export");
            t.setDaemon(true);
            return t;
        });
        Semaphore window = new Semaphore(options.parallel() * 4); // devices read ahead of the requests, no more
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        try {
            for (DeviceQuery q : queries) {
                store.tracking().forEachDevice(session.id(), q, o -> {
                    if (failure.get() != null) {
                        return;
                    }
                    n.selected++;
                    Existing e = existing.get(o.deviceId());
                    if (e != null && e.complete()) {
                        n.existing++;
                        return;
                    }
                    window.acquireUninterruptibly();
                    pool.execute(() -> {
                        try {
                            if (failure.get() == null) {
                                device(session.id(), experimentId, parentId, o, e, start, end);
                                (e == null ? n.created : n.completed).incrementAndGet();
                            }
                        } catch (RuntimeException ex) {
                            failure.compareAndSet(null, ex);
                        } finally {
                            window.release();
                        }
                    });
                });
            }
        } finally {
            pool.shutdown();
            try {
                pool.awaitTermination(1, TimeUnit.DAYS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }
        RuntimeException f = failure.get();
        if (f != null) {
            String done = "; " + (n.created.get() + n.completed.get()) + " nested runs of session " + session.id() + " were exported before it "
                    + "(parent run " + parentId + "): run the same export again to complete it";
            if (f instanceof MlflowException m) {
                throw new MlflowException(m.getMessage() + done, m.status(), m.errorCode(), m);
            }
            throw f;
        }
        return n;
    }

    private void device(String sessionId, String experimentId, String parentId, TrainOutcome o, Existing e, long start, long end) {
        String runId;
        Set<String> have;
        if (e == null) {
            runId = http.post("runs/create", CreateRun.newBuilder().setExperimentId(experimentId).setRunName(o.deviceId()).setStartTime(start)
                    .addAllTags(tags(MlflowView.deviceTags(sessionId, parentId, o))), CreateRun.Response.newBuilder()).getRun().getInfo().getRunId();
            have = Set.of();
        } else {
            runId = e.runId();
            have = e.metrics();
        }
        Map<String, Double> metrics = MlflowView.deviceMetrics(o);
        metrics.keySet().removeAll(have);
        if (!metrics.isEmpty()) {
            logBatch(runId, Map.of(), metrics, Map.of(), end);
        }
        http.post("runs/update", UpdateRun.newBuilder().setRunId(runId).setStatus(MlflowView.status(o.status())).setEndTime(end),
                UpdateRun.Response.newBuilder());
    }

    // ---- artifacts

    private record Uploads(int uploaded, int kept, boolean model) {
    }

    /**
     * The parent run's artifacts through MLflow's artifact proxy: {@code results/devices.parquet} and {@code .csv}, and
     * {@code fleet_model/} (MLmodel, loader, device index, packs).
     */
    private Uploads artifacts(SessionRecord session, Run parent, String experimentId, int parallel, List<String> warnings) {
        String root = proxyPath(parent.getInfo().getArtifactUri());
        if (root == null) {
            warnings.add("artifacts not uploaded: the server keeps run artifacts at " + parent.getInfo().getArtifactUri() + " and does not proxy "
                    + "them; start it with --serve-artifacts (MLflow's default) to export the results table and models");
            return new Uploads(0, 0, false);
        }
        Path tmp;
        try {
            tmp = Files.createTempDirectory("fleetml-mlflow-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Map<String, Path> files = new LinkedHashMap<>();
            Path parquet = tmp.resolve("devices.parquet");
            Path csv = tmp.resolve("devices.csv");
            DeviceResults.write(parquet, session, store.tracking(), DeviceQuery.ALL);
            DeviceResults.write(csv, session, store.tracking(), DeviceQuery.ALL);
            files.put("results/devices.parquet", parquet);
            files.put("results/devices.csv", csv);
            Map<String, Path> packs = FleetModelFiles.write(tmp.resolve(MODEL_PATH), session, store.tracking(), parent.getInfo().getRunId(),
                    warnings);
            try (var walk = Files.walk(tmp.resolve(MODEL_PATH))) {
                walk.filter(Files::isRegularFile).sorted().forEach(f -> files.put(MODEL_PATH + "/"
                        + tmp.resolve(MODEL_PATH).relativize(f).toString().replace('\\', '/'), f));
            }
            int kept = 0;
            Map<String, Long> have = new HashMap<>();
            for (String folder : packs.keySet().stream().map(p -> p.substring(0, p.lastIndexOf('/'))).distinct().toList()) {
                try {
                    for (FileInfo f : http.listArtifacts(root + "/" + MODEL_PATH + "/" + folder).getFilesList()) {
                        if (!f.getIsDir()) { // the proxy names them relative to the folder listed
                            have.put(folder + "/" + f.getPath().substring(f.getPath().lastIndexOf('/') + 1), f.getFileSize());
                        }
                    }
                } catch (MlflowException e) {
                    if (!e.notFound()) {
                        throw e;
                    }
                }
            }
            for (Map.Entry<String, Path> p : packs.entrySet()) {
                long size = Files.size(p.getValue());
                String name = p.getKey();
                Long there = have.get(name);
                if (there != null && there == size) {
                    kept++;
                } else {
                    files.put(MODEL_PATH + "/" + name, p.getValue());
                }
            }
            upload(root, files, parallel);
            return new Uploads(files.size(), kept, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            delete(tmp);
        }
    }

    private void upload(String root, Map<String, Path> files, int parallel) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallel, Math.max(1, files.size())));
        try {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            files.forEach((path, file) -> done.add(pool.submit(() -> http.putArtifact(root + "/" + path, file))));
            for (var f : done) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException r) {
                        throw r;
                    }
                    throw new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new MlflowException("interrupted while uploading artifacts", 0, null, e);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** The artifact proxy's path of a run's artifact URI ({@code mlflow-artifacts:/1/abc/artifacts} -> {@code 1/abc/artifacts}); null if not proxied. */
    static String proxyPath(String artifactUri) {
        URI u;
        try {
            u = URI.create(artifactUri);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (!"mlflow-artifacts".equals(u.getScheme()) || u.getPath() == null) {
            return null;
        }
        String p = u.getPath().replaceAll("^/+", "");
        return trimSlash(p);
    }

    // ---- registry

    private String register(String name, String alias, String source, String runId, SessionRecord session) {
        try {
            http.get("registered-models/get", Map.of("name", name), ModelRegistry.GetRegisteredModel.Response.newBuilder());
        } catch (MlflowException e) {
            if (!e.notFound()) {
                throw e;
            }
            try {
                http.post("registered-models/create", ModelRegistry.CreateRegisteredModel.newBuilder().setName(name)
                        .setDescription("A fleet of per-device models trained by fleetml"), ModelRegistry.CreateRegisteredModel.Response.newBuilder());
            } catch (MlflowException again) {
                if (!again.alreadyExists()) {
                    throw again;
                }
            }
        }
        long version = -1;
        for (ModelRegistry.ModelVersion v : http.get("model-versions/search", Map.of("filter", "name = '" + quote(name) + "' and run_id = '"
                + quote(runId) + "'", "max_results", "1000"), ModelRegistry.SearchModelVersions.Response.newBuilder()).getModelVersionsList()) {
            if (v.getSource().equals(source) && v.getName().equals(name)) {
                version = Math.max(version, Long.parseLong(v.getVersion()));
            }
        }
        if (version < 0) {
            version = Long.parseLong(http.post("model-versions/create", ModelRegistry.CreateModelVersion.newBuilder().setName(name).setSource(source)
                            .setRunId(runId).setDescription("fleetml session " + session.id() + " (" + session.nDevices() + " devices)")
                            .addTags(ModelRegistry.ModelVersionTag.newBuilder().setKey(MlflowView.SESSION_TAG).setValue(session.id())),
                    ModelRegistry.CreateModelVersion.Response.newBuilder()).getModelVersion().getVersion());
        }
        if (alias != null) {
            http.post("registered-models/alias", ModelRegistry.SetRegisteredModelAlias.newBuilder().setName(name).setAlias(alias)
                    .setVersion(String.valueOf(version)), ModelRegistry.SetRegisteredModelAlias.Response.newBuilder());
        }
        return name + "/" + version;
    }

    // ---- small things

    /** A string inside single quotes of MLflow's filter language. */
    static String quote(String s) {
        return s.replace("\\", "\\\\").replace("'", "\\'");
    }

    private static String cut(String v, int max) {
        return v.length() <= max ? v : v.substring(0, max - 1) + "…";
    }

    private static String trimSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    /** Whether a file name taken from the store's pack URIs may be a path segment as it is. */
    static boolean safeName(String name) {
        return SAFE_NAME.matcher(name).matches();
    }

    private static void delete(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary folder; the system cleans it
        }
    }

    static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(text);
        }
    }

    static String now() {
        return Instant.now().toString();
    }
}
