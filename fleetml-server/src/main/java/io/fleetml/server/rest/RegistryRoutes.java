package io.fleetml.server.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fleetml.registry.ModelName;
import io.fleetml.registry.ModelRegistry;
import io.fleetml.registry.ModelVersion;
import io.fleetml.registry.RegisteredModel;
import io.fleetml.server.ApiException;
import io.fleetml.store.RecordJson;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.SessionSummary;
import io.fleetml.store.TrackingStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The registry: registered models, their versions (each with its session's outcome at a glance), registering a
 * session as a new version, and moving or removing aliases. Names and aliases from the URL or the body are checked by
 * {@link ModelName#check} before anything else sees them; they only ever become SQL parameters.
 */
public final class RegistryRoutes {
    private final ModelRegistry registry;
    private final TrackingStore tracking;

    public RegistryRoutes(TrackingStore tracking) {
        this.registry = tracking.registry();
        this.tracking = tracking;
    }

    public void register(RoutesConfig routes) {
        routes.get("/api/v1/models", this::models);
        routes.get("/api/v1/models/{name}", this::model);
        routes.get("/api/v1/models/{name}/versions/{version}", this::version);
        routes.post("/api/v1/models/{name}/versions", this::registerVersion);
        routes.put("/api/v1/models/{name}/aliases/{alias}", this::setAlias);
        routes.delete("/api/v1/models/{name}/aliases/{alias}", this::deleteAlias);
    }

    private static String name(Context ctx) {
        return ModelName.check("model name", ctx.pathParam("name"));
    }

    private static String alias(Context ctx) {
        return ModelName.check("alias", ctx.pathParam("alias"));
    }

    private void models(Context ctx) throws Exception {
        JsonBodies.send(ctx, 200, Map.of("models", registry.models().stream().map(this::model).toList()));
    }

    private void model(Context ctx) throws Exception {
        JsonBodies.send(ctx, 200, model(registry.model(name(ctx))));
    }

    private void version(Context ctx) throws Exception {
        String name = name(ctx);
        int version = ModelName.version(ctx.pathParam("version"), name + "/" + QueryParams.abbreviate(ctx.pathParam("version")));
        JsonBodies.send(ctx, 200, version(registry.version(new ModelName(name, null, version))));
    }

    private void registerVersion(Context ctx) throws Exception {
        String name = name(ctx);
        ObjectNode body = JsonBodies.object(ctx);
        String session = JsonBodies.text(body, "session_id", true);
        String alias = JsonBodies.text(body, "alias", false);
        if (alias != null) {
            ModelName.check("alias", alias);
        }
        String description = JsonBodies.text(body, "description", false);
        if (description != null && description.length() > 10_000) {
            throw ApiException.badRequest("description longer than 10,000 characters");
        }
        ModelVersion v = registry.register(name, session, alias, description, "api");
        ctx.header("Location", "/api/v1/models/" + name + "/versions/" + v.version());
        JsonBodies.send(ctx, 201, version(v));
    }

    private void setAlias(Context ctx) throws Exception {
        String name = name(ctx);
        String alias = alias(ctx);
        JsonNode v = JsonBodies.object(ctx).get("version");
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() < 1) {
            throw ApiException.badRequest("the body needs 'version', a whole number from 1: {\"version\": 2}");
        }
        JsonBodies.send(ctx, 200, version(registry.setAlias(name, alias, v.intValue())));
    }

    private void deleteAlias(Context ctx) {
        registry.deleteAlias(name(ctx), alias(ctx));
        ctx.status(204);
    }

    private Map<String, Object> model(RegisteredModel m) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", m.name());
        out.put("created_at", m.createdAt());
        out.put("aliases", m.aliases());
        out.put("latest_version", m.versions().isEmpty() ? null : m.latest().version());
        out.put("versions", m.versions().stream().map(this::version).toList());
        return out;
    }

    private Map<String, Object> version(ModelVersion v) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", v.name());
        out.put("version", v.version());
        out.put("session_id", v.sessionId());
        out.put("aliases", v.aliases());
        out.put("lineage", v.lineage());
        out.put("created_by", v.createdBy());
        out.put("created_at", v.createdAt());
        out.put("description", v.description());
        out.put("session", tracking.session(v.sessionId()).map(RegistryRoutes::glance).orElse(null));
        return out;
    }

    /** A version's session at a glance: devices ok and failed, median holdout MSE and R². */
    private static Map<String, Object> glance(SessionRecord s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", s.status().name());
        out.put("experiment", s.experiment());
        out.put("algorithm", s.spec().algorithm());
        out.put("fleet", s.fleet() == null ? null : s.fleet().mode().label());
        out.put("device_column", s.spec().deviceColumn());
        out.put("features", s.spec().features());
        SessionSummary m = s.summary();
        out.put("devices_ok", m == null ? null : m.ok());
        out.put("devices_failed", m == null ? null : m.failed());
        out.put("devices_skipped", m == null ? null : m.skipped());
        out.put("mse_p50", m == null ? null : RecordJson.number(m.mseP50()));
        out.put("r2_p50", m == null ? null : RecordJson.number(m.r2P50()));
        return out;
    }
}
