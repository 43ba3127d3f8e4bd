package io.fleetml.server.rest;

import io.fleetml.server.metrics.ServerMetrics;
import io.javalin.config.RoutesConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/** {@code /health}, {@code /metrics} (Prometheus text) and {@code /api/v1/openapi.json} (the API's description, from the jar). */
public final class OperationsRoutes {
    private final ServerMetrics metrics;
    private final byte[] openApi;

    public OperationsRoutes(ServerMetrics metrics) {
        this.metrics = metrics;
        try (InputStream in = OperationsRoutes.class.getResourceAsStream("/io/fleetml/server/openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the jar");
            }
            this.openApi = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void register(RoutesConfig routes) {
        routes.get("/health", ctx -> JsonBodies.send(ctx, 200, Map.of("status", "ok")));
        routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.render()));
        routes.get("/api/v1/openapi.json", ctx -> ctx.contentType("application/json").result(openApi));
    }
}
