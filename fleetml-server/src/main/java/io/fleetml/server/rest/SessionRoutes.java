package io.fleetml.server.rest;

import io.fleetml.store.DeviceQuery;
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
 * Sessions and device runs, read-only: {@code /api/v1/sessions}, one session, and its devices (filtered, searched,
 * sorted and paged by the store in SQL). The JSON shapes are the CLI's {@code --json} ones.
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
    }

    private void sessions(Context ctx) throws Exception {
        String experiment = ctx.queryParam("experiment");
        List<Map<String, Object>> sessions = tracking.sessions(experiment == null || experiment.isEmpty() ? null : experiment).stream()
                .map(this::json).toList();
        JsonBodies.send(ctx, 200, Map.of("sessions", sessions));
    }

    private SessionRecord find(String id) {
        return find(tracking, id);
    }

    /** The session {@code id}, or a 404 naming it: what every route over a session starts with. */
    static SessionRecord find(TrackingStore tracking, String id) {
        return tracking.session(id).orElseThrow(() -> StoreException.notFound("no session '" + QueryParams.abbreviate(id) + "'"));
    }

    private void session(Context ctx) throws Exception {
        JsonBodies.send(ctx, 200, json(find(ctx.pathParam("id"))));
    }

    /** A session as the CLI's {@code --json} has it, with how far a running one has come. */
    private Map<String, Object> json(SessionRecord s) {
        Map<String, Object> m = RecordJson.session(s);
        if (s.status() == io.fleetml.store.SessionStatus.RUNNING) {
            long recorded = tracking.stats().counts(s.id(), s.nDevices(), false).recorded();
            m.put("progress", Map.of("recorded", recorded, "expected", s.nDevices()));
        } else {
            m.put("progress", null);
        }
        return m;
    }

    private void devices(Context ctx) throws Exception {
        SessionRecord session = find(ctx.pathParam("id"));
        String search = ctx.queryParam("q");
        if (search != null && search.length() > 200) {
            throw ApiException.badRequest("q (part of a device id) must be at most 200 characters");
        }
        DeviceQuery query = DeviceQuery.ALL.withStatuses(statuses(ctx.queryParams("status"))).sorted(sort(ctx.queryParam("sort"))).searching(search)
                .reversed(flag(ctx, "reverse"));
        int pageSize = QueryParams.bounded(ctx, "page_size", DEFAULT_PAGE, MAX_PAGE);
        long offset = PageToken.offset(ctx, pageSize);
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

    /** {@code ?name=true} or {@code false}; false when absent. */
    static boolean flag(Context ctx, String name) {
        String v = ctx.queryParam(name);
        if (v == null || v.isEmpty() || v.equals("false")) {
            return false;
        }
        if (v.equals("true")) {
            return true;
        }
        throw ApiException.badRequest(name + " must be true or false, not '" + QueryParams.abbreviate(v) + "'");
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
