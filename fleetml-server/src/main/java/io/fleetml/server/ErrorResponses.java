package io.fleetml.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleetml.data.FleetInputException;
import io.fleetml.store.StoreException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Every failure as {@code {"error": {"code": ..., "message": ...}}} with its status, in one place: the server's own
 * refusals, the store's typed errors, bad input, Javalin's (413, unknown route) and anything unexpected (500, logged
 * here, never a stack trace in the response).
 */
public final class ErrorResponses {
    private static final Logger LOG = Logger.getLogger(ErrorResponses.class.getName());
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ErrorResponses() {
    }

    /** The exception handlers of every route. */
    static void install(RoutesConfig routes, long maxBodyBytes) {
        routes.exception(ApiException.class, (e, ctx) -> send(ctx, e.code(), e.getMessage()));
        routes.exception(FleetInputException.class, (e, ctx) -> send(ctx, ErrorCode.BAD_REQUEST, e.getMessage()));
        routes.exception(StoreException.class, (e, ctx) -> send(ctx, switch (e.kind()) {
            case NOT_FOUND -> ErrorCode.NOT_FOUND;
            case CONFLICT -> ErrorCode.CONFLICT;
            case UNAVAILABLE -> ErrorCode.UNAVAILABLE;
        }, e.getMessage()));
        routes.exception(HttpResponseException.class, (e, ctx) -> {
            int status = e.getStatus();
            String message = status == 413 ? tooLarge(maxBodyBytes)
                    : status == 404 ? "no such endpoint: " + ctx.method() + " " + ctx.path() + " (see /api/v1/openapi.json)"
                    : e.getMessage();
            send(ctx, status, ErrorCode.of(status), message);
        });
        routes.exception(Exception.class, (e, ctx) -> {
            LOG.log(Level.WARNING, "failed: " + ctx.method() + " " + ctx.path(), e);
            send(ctx, ErrorCode.INTERNAL, "internal error: " + e.getClass().getSimpleName() + " (the server's log has the details)");
        });
    }

    static String tooLarge(long maxBodyBytes) {
        return "request body larger than " + (maxBodyBytes >= 1 << 20 && maxBodyBytes % (1 << 20) == 0 ? (maxBodyBytes >> 20) + " MB"
                : maxBodyBytes + " bytes") + "; send fewer rows per request";
    }

    static void send(Context ctx, ErrorCode code, String message) {
        send(ctx, code.status(), code, message);
    }

    private static void send(Context ctx, int status, ErrorCode code, String message) {
        if (io.fleetml.server.mlflow.MlflowRoutes.isMlflow(ctx.path())) { // MLflow's clients read MLflow's error document
            String text = status == 404 && code == ErrorCode.NOT_FOUND ? "No API endpoint " + ctx.method() + " " + ctx.path()
                    + " in fleetml's MLflow API (the README's MLflow section lists them)" : firstLine(message);
            ctx.status(status).contentType("application/json").result(io.fleetml.server.mlflow.MlflowError.body(
                    io.fleetml.server.mlflow.MlflowError.code(code), text));
            return;
        }
        ctx.status(status).contentType("application/json").result(body(code, message));
    }

    /** The error document. */
    public static byte[] body(ErrorCode code, String message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeObjectFieldStart("error");
            g.writeStringField("code", code.name());
            g.writeStringField("message", firstLine(message));
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static String firstLine(String m) {
        if (m == null || m.isBlank()) {
            return "(no message)";
        }
        String s = m.strip();
        int nl = s.indexOf('\n');
        return nl > 0 ? s.substring(0, nl) : s;
    }
}
