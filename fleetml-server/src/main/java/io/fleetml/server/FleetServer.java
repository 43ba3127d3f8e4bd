package io.fleetml.server;

import io.fleetml.resolve.ModelCache;
import io.fleetml.server.metrics.ServerMetrics;
import io.fleetml.server.predict.OnlinePredictor;
import io.fleetml.server.predict.ServedVersions;
import io.fleetml.server.rest.OperationsRoutes;
import io.fleetml.server.rest.PredictRoutes;
import io.fleetml.server.rest.RegistryRoutes;
import io.fleetml.server.rest.SessionRoutes;
import io.fleetml.server.rest.StatsRoutes;
import io.fleetml.server.rest.DeviceRoutes;
import io.fleetml.store.FleetStore;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.router.Endpoint;
import org.eclipse.jetty.server.handler.GracefulHandler;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The fleetml HTTP server over one store: the REST API over sessions, device runs and the registry, online
 * prediction with registered versions, health and metrics. It does not own the store: close the server first (its
 * requests in flight finish), then the store.
 */
public final class FleetServer implements AutoCloseable {
    /** How long stopping waits for requests in flight. */
    private static final long STOP_TIMEOUT_MS = 30_000;
    private final ServerConfig config;
    private final ModelCache cache;
    private final ServedVersions versions;
    private final ServerMetrics metrics;
    private final Javalin app;
    private final AtomicBoolean stopped = new AtomicBoolean();

    private FleetServer(FleetStore store, ServerConfig config) {
        this.config = config;
        this.cache = new ModelCache(store.artifacts(), config.modelCacheBytes());
        this.versions = new ServedVersions(store.tracking(), cache, config.versionsKept());
        this.metrics = new ServerMetrics(cache::stats, versions::size);
        OnlinePredictor predictor = new OnlinePredictor(store.tracking().registry(), versions, config.maxRows());
        this.app = Javalin.create(c -> configure(c, store, predictor));
    }

    /**
     * Starts serving {@code store} as {@code config} says.
     *
     * @throws io.javalin.util.JavalinException when the port cannot be bound
     */
    public static FleetServer start(FleetStore store, ServerConfig config) {
        FleetServer server = new FleetServer(store, config);
        try {
            server.app.start(config.host(), config.port());
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        server.warmUp(store);
        return server;
    }

    /**
     * The first request through Jetty and Javalin loads their classes (about 0.2 s), and the first JSON answer
     * Jackson's and the store's (0.08 s): a request to {@code /health} and the session list written once, before the
     * server says it is ready, spare that to its first user (bench/RESULTS.md, session 9). Nothing fails for it.
     */
    private void warmUp(FleetStore store) {
        try {
            java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url() + "/health"))
                    .timeout(java.time.Duration.ofSeconds(5)).build(), java.net.http.HttpResponse.BodyHandlers.discarding());
            io.fleetml.server.rest.JsonBodies.MAPPER.writeValueAsBytes(store.tracking().sessions(null).stream()
                    .limit(100).map(io.fleetml.store.RecordJson::session).toList());
        } catch (java.io.IOException | RuntimeException e) {
            // only slower: the first request pays
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void configure(JavalinConfig c, FleetStore store, OnlinePredictor predictor) {
        c.startup.showJavalinBanner = false;
        c.startup.showOldJavalinVersionWarning = false;
        c.http.maxRequestSize = config.maxBodyBytes();
        // a few threads per core, not Jetty's 200: requests beyond them wait in Jetty's queue, in order, rather than as
        // runnable threads the OS time-slices (see bench/RESULTS.md, session 8: the p99 stays missed either way)
        int cores = Runtime.getRuntime().availableProcessors();
        c.jetty.threadPool = new org.eclipse.jetty.util.thread.QueuedThreadPool(Math.max(8, 3 * cores + 2), 4);
        c.jetty.modifyServer(server -> {
            // stopping lets requests in flight finish (and answers new ones 503) before the connectors close
            server.setHandler(new GracefulHandler());
            server.setStopTimeout(STOP_TIMEOUT_MS);
            server.setErrorHandler(new JsonErrorPages());
        });
        // Jetty reuses header lines it saw earlier on a connection, matched ignoring case unless told otherwise: a token
        // differing from the right one only in case was taken for it (found by AuthAndLimitsTest)
        c.jetty.modifyHttpConfiguration(http -> http.setHeaderCacheCaseSensitive(true));
        c.requestLogger.http((ctx, ms) -> metrics.request(ctx.method().name(), route(ctx), ctx.status().getCode(), ms / 1000.0));
        c.routes.before(ctx -> {
            // refused before a byte of it is read; a body without a Content-Length is bounded as it is read (by Javalin)
            if (declaredLength(ctx.header("Content-Length")) > config.maxBodyBytes()) {
                throw ApiException.tooLarge(ErrorResponses.tooLarge(config.maxBodyBytes()));
            }
        });
        if (config.token() != null) {
            c.routes.beforeMatched(new BearerAuth(config.token(), config.tokenReads())); // after matching: metrics name the route
        }
        Dashboard.serve(c);
        new OperationsRoutes(metrics).register(c.routes);
        new SessionRoutes(store.tracking()).register(c.routes);
        new StatsRoutes(store.tracking()).register(c.routes);
        new DeviceRoutes(store).register(c.routes);
        new RegistryRoutes(store.tracking()).register(c.routes);
        new PredictRoutes(predictor, metrics).register(c.routes);
        new io.fleetml.server.mlflow.MlflowRoutes(store).register(c.routes);
        ErrorResponses.install(c.routes, config.maxBodyBytes());
    }

    /** The Content-Length a request declares; 0 when none (Jetty refuses a malformed one before the routes). */
    private static long declaredLength(String header) {
        try {
            return header == null || header.isBlank() ? 0 : Long.parseLong(header.strip());
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    /** The route's template ({@code /api/v1/sessions/{id}}), never the raw path: ids must not become metric labels. */
    private static String route(Context ctx) {
        try {
            Endpoint e = ctx.endpoints().matchedHttpEndpoint();
            return e == null ? "unmatched" : e.path;
        } catch (RuntimeException e) {
            return "unmatched";
        }
    }

    /** The port it listens on (the one picked when configured with 0). */
    public int port() {
        return app.port();
    }

    /** Where it listens, e.g. {@code http://127.0.0.1:8080}. */
    public String url() {
        String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return "http://" + host + ":" + port();
    }

    public ModelCache.Stats cacheStats() {
        return cache.stats();
    }

    /** Stops accepting requests, lets those in flight finish, then unloads the models. Idempotent. */
    @Override
    public void close() {
        if (stopped.compareAndSet(false, true)) {
            try {
                app.stop();
            } finally {
                cache.close();
            }
        }
    }
}
