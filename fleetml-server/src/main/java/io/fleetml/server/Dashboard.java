package io.fleetml.server;

import io.javalin.config.JavalinConfig;
import io.javalin.http.staticfiles.Location;

import java.util.Map;

/**
 * The web dashboard: its pages, modules and style sheet from the jar ({@code resources/dashboard}) at {@code /}, and
 * the chart library's WebJar at {@code /webjars}. Nothing comes from the internet; the pages may load scripts, styles
 * and data from this server only (the Content-Security-Policy says so), and the chart library is sent gzipped to a
 * browser that takes it. The files need no token: the page asks for one when the API refuses it.
 */
final class Dashboard {
    /** The jar's folder of the dashboard's files. */
    static final String RESOURCES = "/dashboard";
    /** Scripts and data from this server only, no inline script, no framing, no plugins. */
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
    /** Larger than the chart library (about 1 MB), which Javalin then gzips once and keeps. */
    private static final int PRECOMPRESS_MAX_BYTES = 4 << 20;

    private static final java.util.regex.Pattern ASSET = java.util.regex.Pattern.compile("/[A-Za-z0-9_-]+(/[A-Za-z0-9_.-]+)*\\.(html|js|css|svg)");

    private Dashboard() {
    }

    /**
     * Whether a request is for one of the dashboard's files, which hold no data and need no token (the page asks for
     * one when the API refuses it): {@code /}, {@code /webjars/...} and files with those endings outside {@code /api}.
     */
    static boolean isAsset(io.javalin.http.HandlerType method, String path) {
        if (method != io.javalin.http.HandlerType.GET && method != io.javalin.http.HandlerType.HEAD) {
            return false;
        }
        return path.equals("/") || path.startsWith("/webjars/") && !path.contains("..")
                || !path.startsWith("/api/") && ASSET.matcher(path).matches();
    }

    static void serve(JavalinConfig c) {
        Map<String, String> page = Map.of(
                "Content-Security-Policy", CSP,
                "X-Content-Type-Options", "nosniff",
                "Referrer-Policy", "no-referrer",
                "Cache-Control", "no-cache");
        c.staticFiles.add(s -> {
            s.hostedPath = "/";
            s.directory = RESOURCES;
            s.location = Location.CLASSPATH;
            s.headers = page;
        });
        // a WebJar's path has its version in it: the browser may keep it
        c.staticFiles.add(s -> {
            s.hostedPath = "/webjars";
            s.directory = "/META-INF/resources/webjars";
            s.location = Location.CLASSPATH;
            s.precompressMaxSize = PRECOMPRESS_MAX_BYTES;
            s.headers = Map.of("X-Content-Type-Options", "nosniff", "Cache-Control", "public, max-age=31536000, immutable");
        });
    }
}
