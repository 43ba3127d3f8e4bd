package io.fleetml.server.metrics;

import io.fleetml.resolve.ModelCache;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The server's metrics in Prometheus's text exposition format (version 0.0.4), written by hand: requests by route
 * (the route's template, never the raw path, so that device ids do not become label values) and status, a latency
 * histogram per route, rows predicted, and the model cache's hits, misses, loads, load time and evictions.
 */
public final class ServerMetrics {
    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<String, LatencyHistogram> latency = new ConcurrentHashMap<>();
    private final LongAdder rowsPredicted = new LongAdder();
    private final Supplier<ModelCache.Stats> cache;
    private final IntSupplier versionsLoaded;

    public ServerMetrics(Supplier<ModelCache.Stats> cache, IntSupplier versionsLoaded) {
        this.cache = cache;
        this.versionsLoaded = versionsLoaded;
    }

    /** Counts one finished request. */
    public void request(String method, String route, int status, double seconds) {
        String r = method + " " + route;
        requests.computeIfAbsent(r + "\u0000" + status, k -> new LongAdder()).increment();
        latency.computeIfAbsent(r, k -> new LatencyHistogram()).observe(seconds);
    }

    public void predicted(int rows) {
        rowsPredicted.add(rows);
    }

    /** The exposition text. */
    public String render() {
        StringBuilder out = new StringBuilder(4096);
        out.append("# HELP fleetml_http_requests_total HTTP requests by method, route and status.\n");
        out.append("# TYPE fleetml_http_requests_total counter\n");
        new TreeMap<>(requests).forEach((key, n) -> {
            int sep = key.indexOf('\u0000');
            String[] mr = key.substring(0, sep).split(" ", 2);
            out.append("fleetml_http_requests_total{method=\"").append(mr[0]).append("\",route=\"").append(escape(mr[1]))
                    .append("\",status=\"").append(key.substring(sep + 1)).append("\"} ").append(n.sum()).append('\n');
        });
        out.append("# HELP fleetml_http_request_duration_seconds Time to answer a request, by method and route.\n");
        out.append("# TYPE fleetml_http_request_duration_seconds histogram\n");
        new TreeMap<>(latency).forEach((key, h) -> {
            String[] mr = key.split(" ", 2);
            String labels = "method=\"" + mr[0] + "\",route=\"" + escape(mr[1]) + "\"";
            long[] cumulative = h.cumulative();
            long count = h.count();
            for (int i = 0; i < cumulative.length; i++) {
                out.append("fleetml_http_request_duration_seconds_bucket{").append(labels).append(",le=\"")
                        .append(format(LatencyHistogram.BOUNDS[i])).append("\"} ").append(cumulative[i]).append('\n');
            }
            out.append("fleetml_http_request_duration_seconds_bucket{").append(labels).append(",le=\"+Inf\"} ").append(count).append('\n');
            out.append("fleetml_http_request_duration_seconds_sum{").append(labels).append("} ").append(format(h.sum())).append('\n');
            out.append("fleetml_http_request_duration_seconds_count{").append(labels).append("} ").append(count).append('\n');
        });
        counter(out, "fleetml_predicted_rows_total", "Rows predicted online.", rowsPredicted.sum());
        ModelCache.Stats s = cache.get();
        counter(out, "fleetml_model_cache_hits_total", "Models found loaded in the cache.", s.hits());
        counter(out, "fleetml_model_cache_misses_total", "Models not loaded when asked for.", s.misses());
        counter(out, "fleetml_model_cache_loads_total", "Models read from the store and loaded.", s.loads());
        out.append("# HELP fleetml_model_cache_load_seconds_total Time spent reading and loading models.\n");
        out.append("# TYPE fleetml_model_cache_load_seconds_total counter\n");
        out.append("fleetml_model_cache_load_seconds_total ").append(format(s.loadNanos() / 1e9)).append('\n');
        counter(out, "fleetml_model_cache_evictions_total", "Models dropped from the cache to stay within its bound.", s.evictions());
        gauge(out, "fleetml_model_cache_models", "Models loaded now.", s.loaded());
        gauge(out, "fleetml_model_cache_bytes", "Stored size of the unpinned models loaded now.", s.bytes());
        gauge(out, "fleetml_served_versions", "Registered versions whose device-to-model map is loaded.", versionsLoaded.getAsInt());
        return out.toString();
    }

    private static void counter(StringBuilder out, String name, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" counter\n");
        out.append(name).append(' ').append(value).append('\n');
    }

    private static void gauge(StringBuilder out, String name, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" gauge\n");
        out.append(name).append(' ').append(value).append('\n');
    }

    private static String format(double v) {
        return String.format(Locale.ROOT, "%s", v);
    }

    private static String escape(String label) {
        return label.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
