package io.fleetml.server.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fleetml.registry.ModelName;
import io.fleetml.registry.ModelRegistry;
import io.fleetml.registry.ModelVersion;
import io.fleetml.server.ApiException;
import io.fleetml.store.RecordJson;
import io.fleetml.store.TrackingStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

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
        JsonBodies.send(ctx, 200, Map.of("models", registry.models().stream().map(m -> RecordJson.registeredModel(m, tracking)).toList()));
    }

    private void model(Context ctx) throws Exception {
        JsonBodies.send(ctx, 200, RecordJson.registeredModel(registry.model(name(ctx)), tracking));
    }

    private void version(Context ctx) throws Exception {
        String name = name(ctx);
        int version = ModelName.version(ctx.pathParam("version"), name + "/" + QueryParams.abbreviate(ctx.pathParam("version")));
        JsonBodies.send(ctx, 200, RecordJson.modelVersion(registry.version(new ModelName(name, null, version)), tracking));
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
        JsonBodies.send(ctx, 201, RecordJson.modelVersion(v, tracking));
    }

    private void setAlias(Context ctx) throws Exception {
        String name = name(ctx);
        String alias = alias(ctx);
        JsonNode v = JsonBodies.object(ctx).get("version");
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() < 1) {
            throw ApiException.badRequest("the body needs 'version', a whole number from 1: {\"version\": 2}");
        }
        JsonBodies.send(ctx, 200, RecordJson.modelVersion(registry.setAlias(name, alias, v.intValue()), tracking));
    }

    private void deleteAlias(Context ctx) {
        registry.deleteAlias(name(ctx), alias(ctx));
        ctx.status(204);
    }
}
