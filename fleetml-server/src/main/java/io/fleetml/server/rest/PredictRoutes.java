package io.fleetml.server.rest;

import io.fleetml.registry.ModelName;
import io.fleetml.server.metrics.ServerMetrics;
import io.fleetml.server.predict.OnlinePredictor;
import io.fleetml.server.predict.Predictions;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/**
 * Online prediction: {@code POST /api/v1/models/{name}@{alias}/predict} (or {@code {name}} alone: its latest version)
 * and {@code POST /api/v1/models/{name}/versions/{n}/predict}.
 */
public final class PredictRoutes {
    private final OnlinePredictor predictor;
    private final ServerMetrics metrics;

    public PredictRoutes(OnlinePredictor predictor, ServerMetrics metrics) {
        this.predictor = predictor;
        this.metrics = metrics;
    }

    public void register(RoutesConfig routes) {
        routes.post("/api/v1/models/{ref}/predict", ctx -> predict(ctx, ModelName.parse(ctx.pathParam("ref"))));
        routes.post("/api/v1/models/{name}/versions/{version}/predict", ctx -> {
            String name = ModelName.check("model name", ctx.pathParam("name"));
            int version = ModelName.version(ctx.pathParam("version"), name + "/" + QueryParams.abbreviate(ctx.pathParam("version")));
            predict(ctx, new ModelName(name, null, version));
        });
    }

    private void predict(Context ctx, ModelName ref) throws Exception {
        Predictions p = predictor.predict(ref, ctx.bodyAsBytes());
        metrics.predicted(p.predictions().length);
        JsonBodies.send(ctx, 200, g -> {
            g.writeStartObject();
            g.writeStringField("model", p.version().name());
            g.writeNumberField("version", p.version().version());
            g.writeStringField("session_id", p.version().sessionId());
            g.writeArrayFieldStart("predictions");
            for (int i = 0; i < p.predictions().length; i++) {
                g.writeStartObject();
                g.writeStringField("device", p.devices()[i]);
                double v = p.predictions()[i];
                if (Double.isFinite(v)) {
                    g.writeNumberField("prediction", v);
                } else {
                    g.writeNullField("prediction");
                }
                g.writeStringField("model", p.kinds()[i]);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }
}
