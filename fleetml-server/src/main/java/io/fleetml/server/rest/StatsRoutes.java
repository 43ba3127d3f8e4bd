package io.fleetml.server.rest;

import io.fleetml.server.ApiException;
import io.fleetml.stats.Bins;
import io.fleetml.stats.Failures;
import io.fleetml.stats.Histogram;
import io.fleetml.stats.HoldoutMetric;
import io.fleetml.stats.Scatter;
import io.fleetml.stats.SessionComparison;
import io.fleetml.stats.SessionCounts;
import io.fleetml.stats.SessionStats;
import io.fleetml.store.RecordJson;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.TrackingStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the dashboard draws, aggregated by the store in SQL: a session's counts, histograms, training rows against a
 * metric in bins, failure reasons grouped, and two sessions compared. Each answer is a few hundred numbers, whatever
 * the number of devices.
 */
public final class StatsRoutes {
    private static final int MAX_BINS = 200;
    private final TrackingStore tracking;
    private final SessionStats stats;

    public StatsRoutes(TrackingStore tracking) {
        this.tracking = tracking;
        this.stats = tracking.stats();
    }

    public void register(RoutesConfig routes) {
        routes.get("/api/v1/sessions/{id}/counts", this::counts);
        routes.get("/api/v1/sessions/{id}/histogram", this::histogram);
        routes.get("/api/v1/sessions/{id}/scatter", this::scatter);
        routes.get("/api/v1/sessions/{id}/failures", this::failures);
        routes.get("/api/v1/compare", this::compare);
        routes.get("/api/v1/compare/worse", this::worse);
        routes.get("/api/v1/compare/devices", this::onlyIn);
    }

    private SessionRecord session(String id) {
        return SessionRoutes.find(tracking, id);
    }

    private static HoldoutMetric metric(Context ctx) {
        String given = ctx.queryParam("metric");
        try {
            return given == null || given.isEmpty() ? HoldoutMetric.R2 : HoldoutMetric.parse(given);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("metric must be mse or r2, not '" + QueryParams.abbreviate(given) + "'");
        }
    }

    private void counts(Context ctx) throws Exception {
        SessionRecord s = session(ctx.pathParam("id"));
        SessionCounts c = stats.counts(s.id(), s.nDevices(), s.fleet() != null);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("session_id", s.id());
        Map<String, Long> statuses = new LinkedHashMap<>();
        c.statuses().forEach((k, v) -> statuses.put(k.name(), v));
        out.put("status", statuses);
        out.put("recorded", c.recorded());
        out.put("expected", c.expected());
        out.put("chosen", c.chosen());
        JsonBodies.send(ctx, 200, out);
    }

    private void histogram(Context ctx) throws Exception {
        SessionRecord s = session(ctx.pathParam("id"));
        HoldoutMetric metric = metric(ctx);
        Histogram h = stats.histogram(s.id(), metric, QueryParams.bounded(ctx, "bins", 30, MAX_BINS));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("session_id", s.id());
        out.put("metric", metric.column());
        out.put("scale", scale(h.bins()));
        out.put("devices", h.devices());
        out.put("missing", h.missing());
        List<Map<String, Object>> bins = new ArrayList<>();
        for (int i = 0; i < h.counts().length; i++) {
            Map<String, Object> bin = new LinkedHashMap<>();
            bin.put("lo", h.bins().edges()[i]);
            bin.put("hi", h.bins().edges()[i + 1]);
            bin.put("count", h.counts()[i]);
            bins.add(bin);
        }
        out.put("bins", bins);
        out.put("below", h.below());
        out.put("above", h.above());
        out.put("min", RecordJson.number(h.min()));
        out.put("max", RecordJson.number(h.max()));
        JsonBodies.send(ctx, 200, out);
    }

    private void scatter(Context ctx) throws Exception {
        SessionRecord s = session(ctx.pathParam("id"));
        HoldoutMetric metric = metric(ctx);
        Scatter sc = stats.scatter(s.id(), metric, QueryParams.bounded(ctx, "x_bins", 60, MAX_BINS), QueryParams.bounded(ctx, "y_bins", 40, MAX_BINS),
                QueryParams.bounded(ctx, "worst", 50, 1000));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("session_id", s.id());
        out.put("metric", metric.column());
        out.put("x", "n_used");
        out.put("x_scale", scale(sc.x()));
        out.put("y_scale", scale(sc.y()));
        out.put("x_edges", sc.x().edges());
        out.put("y_edges", sc.y().edges());
        out.put("cells", cells(sc.cells()));
        out.put("devices", sc.devices());
        out.put("worst", sc.worst().stream().map(p -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("device_id", p.deviceId());
            m.put("n_used", p.nUsed());
            m.put("value", RecordJson.number(p.value()));
            return m;
        }).toList());
        JsonBodies.send(ctx, 200, out);
    }

    private void failures(Context ctx) throws Exception {
        SessionRecord s = session(ctx.pathParam("id"));
        Failures f = stats.failures(s.id(), QueryParams.bounded(ctx, "top", 10, 100), QueryParams.bounded(ctx, "examples", 3, 20));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("session_id", s.id());
        out.put("failed", f.failed());
        out.put("skipped", f.skipped());
        out.put("groups", f.groups().stream().map(g -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("status", g.status().name());
            m.put("reason", g.reason());
            m.put("example_error", g.exampleError());
            m.put("count", g.count());
            m.put("examples", g.examples());
            return m;
        }).toList());
        out.put("other", f.other());
        JsonBodies.send(ctx, 200, out);
    }

    /** Sessions {@code a} and {@code b} of a comparison, both found. */
    private List<SessionRecord> pair(Context ctx) {
        String a = ctx.queryParam("a");
        String b = ctx.queryParam("b");
        if (a == null || a.isEmpty() || b == null || b.isEmpty()) {
            throw ApiException.badRequest("name the two sessions to compare: ?a=SESSION&b=SESSION");
        }
        return List.of(session(a), session(b));
    }

    private void compare(Context ctx) throws Exception {
        List<SessionRecord> ab = pair(ctx);
        HoldoutMetric metric = metric(ctx);
        SessionComparison c = stats.compare(ab.get(0).id(), ab.get(1).id(), metric, QueryParams.bounded(ctx, "bins", 50, MAX_BINS));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("a", c.a());
        out.put("b", c.b());
        out.put("metric", metric.column());
        out.put("common", c.common());
        out.put("added", c.added());
        out.put("lost", c.lost());
        out.put("compared", c.compared());
        out.put("worse", c.worse());
        out.put("better", c.better());
        out.put("same", c.same());
        Map<String, Object> scatter = new LinkedHashMap<>();
        scatter.put("scale", scale(c.bins()));
        scatter.put("edges", c.bins().edges());
        scatter.put("cells", cells(c.cells()));
        out.put("scatter", scatter);
        JsonBodies.send(ctx, 200, out);
    }

    private void worse(Context ctx) throws Exception {
        List<SessionRecord> ab = pair(ctx);
        HoldoutMetric metric = metric(ctx);
        int pageSize = QueryParams.bounded(ctx, "page_size", 50, SessionRoutes.MAX_PAGE);
        long offset = PageToken.offset(ctx, pageSize);
        List<SessionComparison.DeviceChange> page = stats.worse(ab.get(0).id(), ab.get(1).id(), metric, pageSize + 1, offset);
        boolean more = page.size() > pageSize;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("a", ab.get(0).id());
        out.put("b", ab.get(1).id());
        out.put("metric", metric.column());
        out.put("devices", (more ? page.subList(0, pageSize) : page).stream().map(d -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("device_id", d.deviceId());
            m.put("a", RecordJson.number(d.a()));
            m.put("b", RecordJson.number(d.b()));
            m.put("change", RecordJson.number(d.change()));
            return m;
        }).toList());
        out.put("next_page_token", more ? PageToken.encode(offset + pageSize) : null);
        JsonBodies.send(ctx, 200, out);
    }

    private void onlyIn(Context ctx) throws Exception {
        List<SessionRecord> ab = pair(ctx);
        String side = ctx.queryParam("side");
        boolean added = "added".equals(side);
        if (!added && !"lost".equals(side)) {
            throw ApiException.badRequest("side must be added (devices in b only) or lost (in a only), not '"
                    + QueryParams.abbreviate(String.valueOf(side)) + "'");
        }
        int pageSize = QueryParams.bounded(ctx, "page_size", SessionRoutes.DEFAULT_PAGE, SessionRoutes.MAX_PAGE);
        long offset = PageToken.offset(ctx, pageSize);
        String in = ab.get(added ? 1 : 0).id();
        String notIn = ab.get(added ? 0 : 1).id();
        List<String> page = stats.onlyIn(in, notIn, pageSize + 1, offset);
        boolean more = page.size() > pageSize;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("a", ab.get(0).id());
        out.put("b", ab.get(1).id());
        out.put("side", side);
        out.put("devices", more ? page.subList(0, pageSize) : page);
        out.put("next_page_token", more ? PageToken.encode(offset + pageSize) : null);
        JsonBodies.send(ctx, 200, out);
    }

    private static String scale(Bins bins) {
        return bins.log() ? "log" : "linear";
    }

    private static List<long[]> cells(List<Scatter.Cell> cells) {
        return cells.stream().map(c -> new long[] {c.x(), c.y(), c.count()}).toList();
    }
}
