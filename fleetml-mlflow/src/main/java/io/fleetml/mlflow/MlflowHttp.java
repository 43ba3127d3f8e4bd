package io.fleetml.mlflow;

import org.mlflow_project.google.protobuf.InvalidProtocolBufferException;
import org.mlflow_project.google.protobuf.Message;
import org.mlflow_project.google.protobuf.MessageOrBuilder;
import org.mlflow_project.google.protobuf.util.JsonFormat;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MLflow's REST API over HTTP: request bodies are MLflow's own protobuf messages (from the official client jar) in
 * MLflow's protobuf JSON, answers are parsed into its response messages. Thread-safe: the exporter calls it from
 * several threads at once, which is how requests run in parallel.
 *
 * <p>A request that gets no answer (connection refused or reset, timeout), {@code 429 Too Many Requests} or a
 * {@code 5xx} is retried with exponential backoff and jitter ({@code Retry-After} is honoured when the server sends
 * it); every other answer is final. Only requests that are safe to repeat go through here: MLflow's log-batch is
 * idempotent for equal values, an artifact PUT replaces the file, and a run creation that got no answer is found
 * again by its tags on the next export.
 *
 * <p>The JDK's HTTP client rather than the official client's: it keeps a pool of connections for parallel
 * requests and lets the retries be ours. Authentication is MLflow's: {@code MLFLOW_TRACKING_TOKEN} (bearer), or
 * {@code MLFLOW_TRACKING_USERNAME} and {@code MLFLOW_TRACKING_PASSWORD} (basic).
 */
public final class MlflowHttp {
    /** How often and how long to retry: {@code attempts} in all, waits doubling from {@code first} up to {@code max}. */
    public record Retry(int attempts, Duration first, Duration max) {
        /** Six attempts over about 15 s: rides out a server restart or a short overload. */
        public static final Retry DEFAULT = new Retry(6, Duration.ofMillis(500), Duration.ofSeconds(8));

        public Retry {
            if (attempts < 1) {
                throw new IllegalArgumentException("at least one attempt");
            }
        }
    }

    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();
    /** Answers may carry fields newer than the 2.17 messages: those are skipped, not an error. */
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
    private static final Pattern ERROR_CODE = Pattern.compile("\"error_code\"\\s*:\\s*\"([A-Z_]+)\"");
    private static final Pattern MESSAGE = Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final URI base;
    private final HttpClient client;
    private final Retry retry;
    private final String authorization;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();

    /**
     * @param trackingUri the server, e.g. {@code http://mlflow.internal:5000} (a path prefix is kept)
     * @param env         where the credentials are looked up ({@code System.getenv()})
     */
    public MlflowHttp(String trackingUri, Retry retry, Map<String, String> env) {
        this.base = baseOf(trackingUri);
        this.retry = retry;
        // a direct executor: the answer is handled on the client's selector thread rather than handed to a pool thread and back to
        // the caller (three context switches a request, which cost more than the request on a busy machine)
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
                .executor(Runnable::run).build();
        String token = env.get("MLFLOW_TRACKING_TOKEN");
        String user = env.get("MLFLOW_TRACKING_USERNAME");
        if (token != null && !token.isBlank()) {
            authorization = "Bearer " + token;
        } else if (user != null && !user.isBlank()) {
            String password = env.getOrDefault("MLFLOW_TRACKING_PASSWORD", "");
            authorization = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        } else {
            authorization = null;
        }
    }

    /** The server's address as the user gave it, checked: an http(s) URL. */
    public static URI baseOf(String trackingUri) {
        URI u;
        try {
            u = URI.create(trackingUri.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a URL: '" + trackingUri + "'; give the MLflow server as http://HOST:PORT");
        }
        if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
            throw new IllegalArgumentException("the tracking URI must be an MLflow server's http:// or https:// URL (e.g. http://localhost:5000), not '"
                    + trackingUri + "'" + (u.getScheme() == null ? "" : "; fleetml exports over MLflow's REST API only"));
        }
        String s = u.toString();
        return URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    }

    /** The server, without a trailing slash. */
    public URI base() {
        return base;
    }

    /** Requests sent so far (retries included). */
    public long requests() {
        return requests.get();
    }

    /** Requests that were sent again after no answer, a 429 or a 5xx. */
    public long retries() {
        return retries.get();
    }

    /** {@code POST /api/2.0/mlflow/<endpoint>} with {@code body}; the answer merged into {@code answer}. */
    public <B extends Message.Builder> B post(String endpoint, MessageOrBuilder body, B answer) {
        String json;
        try {
            json = PRINTER.print(body);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
        HttpRequest.Builder r = request("/api/2.0/mlflow/" + endpoint).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        return parse(send(r, "POST " + endpoint), answer);
    }

    /** {@code GET /api/2.0/mlflow/<endpoint>?query}; the answer merged into {@code answer}. */
    public <B extends Message.Builder> B get(String endpoint, Map<String, String> query, B answer) {
        return parse(send(request("/api/2.0/mlflow/" + endpoint + query(query)).GET(), "GET " + endpoint), answer);
    }

    /** {@code PUT /api/2.0/mlflow-artifacts/artifacts/<path>} with the file's bytes (the artifact proxy's upload). */
    public void putArtifact(String path, Path file) {
        try {
            send(request("/api/2.0/mlflow-artifacts/artifacts/" + encodePath(path)).header("Content-Type", "application/octet-stream")
                    .PUT(HttpRequest.BodyPublishers.ofFile(file)), "PUT artifact " + path);
        } catch (java.io.FileNotFoundException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** {@code PUT /api/2.0/mlflow-artifacts/artifacts/<path>} with {@code bytes}. */
    public void putArtifact(String path, byte[] bytes) {
        send(request("/api/2.0/mlflow-artifacts/artifacts/" + encodePath(path)).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)), "PUT artifact " + path);
    }

    /** {@code GET /api/2.0/mlflow-artifacts/artifacts?path=<path>}: the files in a folder of the artifact proxy. */
    public org.mlflow.api.proto.Service.ListArtifacts.Response.Builder listArtifacts(String path) {
        return parse(send(request("/api/2.0/mlflow-artifacts/artifacts" + query(Map.of("path", path))).GET(), "GET artifacts " + path),
                org.mlflow.api.proto.Service.ListArtifacts.Response.newBuilder());
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(2));
        if (authorization != null) {
            r.header("Authorization", authorization);
        }
        return r;
    }

    private String send(HttpRequest.Builder builder, String what) {
        HttpRequest request = builder.build();
        long wait = retry.first().toMillis();
        for (int attempt = 1; ; attempt++) {
            requests.incrementAndGet();
            MlflowException failure;
            long retryAfter = -1;
            try {
                HttpResponse<String> answer = client.send(request, HttpResponse.BodyHandlers.ofString());
                int status = answer.statusCode();
                if (status / 100 == 2) {
                    return answer.body();
                }
                failure = error(what, status, answer.body());
                if (!failure.unavailable()) {
                    throw failure;
                }
                retryAfter = answer.headers().firstValue("Retry-After").map(MlflowHttp::seconds).orElse(-1L);
            } catch (IOException e) {
                failure = new MlflowException("MLflow at " + base + " did not answer " + what + ": " + e + "; check that the server runs and the "
                        + "tracking URI is right", 0, null, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MlflowException("interrupted during " + what, 0, null, e);
            }
            if (attempt >= retry.attempts()) {
                throw attempt == 1 ? failure : new MlflowException(failure.getMessage() + " (after " + attempt + " attempts)", failure.status(),
                        failure.errorCode(), failure.getCause());
            }
            retries.incrementAndGet();
            long sleep = retryAfter >= 0 ? Math.min(retryAfter * 1000, retry.max().toMillis())
                    : wait / 2 + ThreadLocalRandom.current().nextLong(wait / 2 + 1);
            wait = Math.min(wait * 2, retry.max().toMillis());
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MlflowException("interrupted during " + what, 0, null, e);
            }
        }
    }

    private static long seconds(String retryAfter) {
        try {
            return Long.parseLong(retryAfter.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** An MLflow error answer ({@code {"error_code": ..., "message": ...}}) as an exception naming the request. */
    private MlflowException error(String what, int status, String body) {
        Matcher code = ERROR_CODE.matcher(body);
        Matcher message = MESSAGE.matcher(body);
        String errorCode = code.find() ? code.group(1) : null;
        String text = message.find() ? message.group(1).replace("\\\"", "\"").replace("\\n", " ")
                : body.length() > 300 ? body.substring(0, 300) + "…" : body.strip();
        return new MlflowException("MLflow at " + base + " answered " + what + " with " + status + (errorCode == null ? "" : " " + errorCode)
                + ": " + text, status, errorCode, null);
    }

    private static <B extends Message.Builder> B parse(String json, B answer) {
        try {
            PARSER.merge(json.isBlank() ? "{}" : json, answer);
            return answer;
        } catch (InvalidProtocolBufferException e) {
            throw new MlflowException("MLflow's answer is not what its API says (" + e.getMessage() + "): "
                    + (json.length() > 200 ? json.substring(0, 200) + "…" : json), 200, null, e);
        }
    }

    private static String query(Map<String, String> query) {
        if (query.isEmpty()) {
            return "";
        }
        StringJoiner q = new StringJoiner("&", "?", "");
        query.forEach((k, v) -> q.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return q.toString();
    }

    /** Each segment of an artifact path percent-encoded; the slashes between them kept. */
    static String encodePath(String path) {
        StringJoiner out = new StringJoiner("/");
        for (String segment : path.split("/", -1)) {
            out.add(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return out.toString();
    }
}
