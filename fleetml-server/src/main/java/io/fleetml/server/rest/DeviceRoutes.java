package io.fleetml.server.rest;

import io.fleetml.model.Algorithms;
import io.fleetml.model.DeviceModel;
import io.fleetml.model.FeatureImportances;
import io.fleetml.registry.ModelVersion;
import io.fleetml.registry.RegisteredModel;
import io.fleetml.resolve.ModelRef;
import io.fleetml.resolve.SessionModels;
import io.fleetml.store.DeviceRun;
import io.fleetml.store.FleetStore;
import io.fleetml.store.RecordJson;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.StoreException;
import io.fleetml.train.TrainOutcome;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One device across the store: its runs in every session, its model (parameters, features, importances) and which
 * model answers for it under each registry alias. A device id from the URL only ever becomes an SQL parameter.
 */
public final class DeviceRoutes {
    private final FleetStore store;

    public DeviceRoutes(FleetStore store) {
        this.store = store;
    }

    public void register(RoutesConfig routes) {
        routes.get("/api/v1/devices/{deviceId}/runs", this::runs);
        routes.get("/api/v1/devices/{deviceId}/model", this::model);
        routes.get("/api/v1/devices/{deviceId}/aliases", this::aliases);
    }

    private void runs(Context ctx) throws Exception {
        String device = ctx.pathParam("deviceId");
        int limit = QueryParams.bounded(ctx, "limit", SessionRoutes.DEFAULT_PAGE, SessionRoutes.MAX_PAGE);
        List<DeviceRun> runs = store.tracking().deviceHistory(device, limit);
        JsonBodies.send(ctx, 200, g -> {
            g.writeStartObject();
            g.writeStringField("device_id", device);
            g.writeArrayFieldStart("runs");
            for (DeviceRun r : runs) {
                g.writeStartObject();
                g.writeStringField("session_id", r.sessionId());
                g.writeStringField("experiment", r.experiment());
                g.writeStringField("started_at", r.startedAt());
                g.writeStringField("session_status", r.sessionStatus().name());
                RecordJson.deviceFields(g, r.outcome());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /** The device's model in {@code ?session=} (default: the newest session with a run of it). */
    private void model(Context ctx) throws Exception {
        String device = ctx.pathParam("deviceId");
        String sessionId = ctx.queryParam("session");
        if (sessionId == null || sessionId.isEmpty()) {
            List<DeviceRun> newest = store.tracking().deviceHistory(device, 1);
            if (newest.isEmpty()) {
                throw StoreException.notFound("no session has a run of device '" + QueryParams.abbreviate(device) + "'");
            }
            sessionId = newest.get(0).sessionId();
        }
        SessionRecord session = SessionRoutes.find(store.tracking(), sessionId);
        TrainOutcome run = store.tracking().device(session.id(), device).orElseThrow(() -> StoreException.notFound(
                "session " + session.id() + " has no run of device '" + QueryParams.abbreviate(device) + "'"));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("device_id", run.deviceId());
        out.put("session_id", session.id());
        out.put("status", run.status().name());
        out.put("error", run.error());
        out.put("algorithm", session.spec().algorithm());
        out.put("params", session.spec().params());
        out.put("features", session.spec().features());
        out.put("label", session.spec().label());
        out.put("model_uri", run.modelUri());
        out.put("trained_in", run.trainedIn());
        out.put("chosen", run.fleet() == null || run.fleet().chosen() == null ? null : run.fleet().chosen().label());
        FeatureImportances importances = null;
        String unavailable = null;
        try {
            importances = importances(session, run);
        } catch (io.fleetml.data.FleetInputException e) {
            unavailable = "cannot read the model to weigh its features: " + e.getMessage(); // an algorithm this server lacks
        } catch (java.io.IOException | RuntimeException e) {
            // the rest of the model is still worth showing; where its files are stays on the server
            unavailable = "cannot read the model to weigh its features: its stored model is missing or unreadable";
        }
        out.put("importance_kind", importances == null ? null : importances.kind());
        out.put("importances", importances == null ? null : importances.values().entrySet().stream().map(e -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("feature", e.getKey());
            m.put("value", RecordJson.number(e.getValue()));
            return m;
        }).toList());
        out.put("importances_unavailable", unavailable);
        JsonBodies.send(ctx, 200, out);
    }

    private FeatureImportances importances(SessionRecord session, TrainOutcome run) throws java.io.IOException {
        if (run.modelUri() == null) {
            return null;
        }
        try (DeviceModel model = Algorithms.named(session.spec().algorithm()).load(store.artifacts().read(run.modelUri()))) {
            return model.importances(session.spec().features());
        }
    }

    /** For each alias of each registered model: the kind of model that answers for the device there. */
    private void aliases(Context ctx) throws Exception {
        String device = ctx.pathParam("deviceId");
        List<Map<String, Object>> out = new ArrayList<>();
        for (RegisteredModel m : store.tracking().registry().models()) {
            for (Map.Entry<String, Integer> alias : m.aliases().entrySet()) {
                // the model's versions came with it: no query per alias
                ModelVersion v = m.versions().stream().filter(x -> x.version() == alias.getValue()).findFirst().orElseThrow();
                ModelRef ref = store.tracking().session(v.sessionId()).map(s -> SessionModels.forDevice(s, store.tracking(), device)).orElse(null);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("model", m.name());
                row.put("alias", alias.getKey());
                row.put("version", v.version());
                row.put("session_id", v.sessionId());
                row.put("answers", ref == null ? null : ref.kind().label());
                row.put("model_name", ref == null ? null : ref.ownedBy(v.name() + "/" + v.version()).name());
                out.add(row);
            }
        }
        JsonBodies.send(ctx, 200, Map.of("device_id", device, "aliases", out));
    }
}
