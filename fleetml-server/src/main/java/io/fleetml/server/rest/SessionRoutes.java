package io.fleetml.server.rest;

import io.fleetml.store.DeviceQuery;
import io.fleetml.store.DeviceRun;
import io.fleetml.store.RecordJson;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.StoreException;
import io.fleetml.store.TrackingStore;
import io.fleetml.server.ApiException;
import io.fleetml.train.TrainOutcome;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Sessions and device runs, read-only: {@code /api/v1/sessions}, one session, its devices (filtered, sorted and paged
 * by the store in SQL) and one device's runs across sessions. The JSON shapes are the CLI's {@code --json} ones.
 */
public final class SessionRoutes {
    static final int DEFAULT_PAGE = 100;
    static final int MAX_PAGE = 1000;
    private static final Map<String, DeviceQuery.Sort> SORTS = Map.of("device", DeviceQuery.Sort.DEVICE, "mse", DeviceQuery.Sort.MSE,
            "r2", DeviceQuery.Sort.R2, "n_used", DeviceQuery.Sort.N_USED, "train_ms", DeviceQuery.Sort.TRAIN_MS);
    private final TrackingStore tracking;

    public SessionRoutes(TrackingStore tracking) {
        this.tracking = tracking;
    }

    public void register(RoutesConfig routes) {
        routes.get("/api/v1/sessions", this::sessions);
        routes.get("/api/v1/sessions/{id}", this::session);
        routes.get("/api/v1/sessions/{id}/devices", this::devices);
        routes.get("/api/v1/devices/{deviceId}/runs", this::deviceRuns);
    }

    private void sessions(Context ctx) throws Exception {
        String experiment = ctx.queryParam("experiment");
        List<Map<String, Object>> sessions = tracking.sessions(experiment == null || experiment.isEmpty() ? null : experiment).stream()
                .map(RecordJson::session).toList();
        JsonBodies.send(ctx, 200, Map.of("sessions", sessions));
    }

    private SessionRecord find(String id) {
        return tracking.session(id).orElseThrow(() -> StoreException.notFound("no session '" + QueryParams.abbreviate(id) + "'"));
    }

    private void session(Context ctx) throws Exception {
        JsonBodies.send(ctx, 200, RecordJson.session(find(ctx.pathParam("id"))));
    }

    private void devices(Context ctx) throws Exception {
        SessionRecord session = find(ctx.pathParam("id"));
        DeviceQuery query = DeviceQuery.ALL.withStatuses(statuses(ctx.queryParams("status"))).sorted(sort(ctx.queryParam("sort")));
        int pageSize = QueryParams.bounded(ctx, "page_size", DEFAULT_PAGE, MAX_PAGE);
        long offset = PageToken.decode(ctx.queryParam("page_token"));
        // one more than a page: whether there is a next page, without counting
        List<TrainOutcome> runs = tracking.devices(session.id(), query.page(pageSize + 1, offset));
        long total = tracking.countDevices(session.id(), query);
        boolean more = runs.size() > pageSize;
        JsonBodies.send(ctx, 200, g -> {
            g.writeStartObject();
            g.writeStringField("session_id", session.id());
            g.writeNumberField("total", total);
            g.writeArrayFieldStart("devices");
            for (TrainOutcome o : more ? runs.subList(0, pageSize) : runs) {
                RecordJson.device(g, o);
            }
            g.writeEndArray();
            g.writeStringField("next_page_token", more ? PageToken.encode(offset + pageSize) : null);
            g.writeEndObject();
        });
    }

    private void deviceRuns(Context ctx) throws Exception {
        String device = ctx.pathParam("deviceId");
        int limit = QueryParams.bounded(ctx, "limit", DEFAULT_PAGE, MAX_PAGE);
        List<DeviceRun> runs = tracking.deviceHistory(device, limit); // the id only ever becomes an SQL parameter
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

    /** {@code ?status=OK,FAILED} or {@code ?status=OK&status=FAILED}; all when absent. */
    static Set<TrainOutcome.Status> statuses(List<String> given) {
        Set<TrainOutcome.Status> out = EnumSet.noneOf(TrainOutcome.Status.class);
        for (String v : given) {
            for (String s : v.split(",")) {
                if (s.isBlank()) {
                    continue;
                }
                try {
                    out.add(TrainOutcome.Status.valueOf(s.strip().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw ApiException.badRequest("status must be OK, FAILED or SKIPPED, not '" + QueryParams.abbreviate(s) + "'");
                }
            }
        }
        return out;
    }

    static DeviceQuery.Sort sort(String given) {
        if (given == null || given.isEmpty()) {
            return DeviceQuery.Sort.DEVICE;
        }
        DeviceQuery.Sort s = SORTS.get(given.toLowerCase(Locale.ROOT));
        if (s == null) {
            throw ApiException.badRequest("sort must be device, mse, r2, n_used or train_ms, not '" + QueryParams.abbreviate(given) + "'");
        }
        return s;
    }
}
