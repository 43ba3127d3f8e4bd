package io.fleetml.server.mlflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A request's parameters as MLflow's clients send them: in the query string for GET, in a JSON body (the request
 * message) for POST and DELETE; a DELETE may carry them in its query string as well.
 */
final class MlflowRequest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final Context ctx;
    private final JsonNode body;

    MlflowRequest(Context ctx) {
        this.ctx = ctx;
        String text = ctx.method().name().equals("GET") ? "" : ctx.body();
        if (text.isBlank()) {
            this.body = MAPPER.createObjectNode();
        } else {
            try {
                this.body = MAPPER.readTree(text);
            } catch (IOException e) {
                throw MlflowError.invalid("the request body is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
            }
            if (!body.isObject()) {
                throw MlflowError.invalid("the request body must be a JSON object (the request message)");
            }
        }
    }

    /** The parameter, or null. */
    String text(String name) {
        String q = ctx.queryParam(name);
        if (q != null) {
            return q;
        }
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isContainerNode()) {
            throw MlflowError.invalid("'" + name + "' must be a single value");
        }
        return v.asText();
    }

    /** The parameter, which must be there. */
    String required(String name) {
        String v = text(name);
        if (v == null || v.isEmpty()) {
            throw MlflowError.invalid("Missing value for required parameter '" + name + "'");
        }
        return v;
    }

    /** A repeated parameter: every {@code ?name=}, or the body's array. */
    List<String> list(String name) {
        List<String> q = ctx.queryParams(name);
        if (!q.isEmpty()) {
            return q;
        }
        List<String> out = new ArrayList<>();
        JsonNode v = body.get(name);
        if (v != null && v.isArray()) {
            v.forEach(e -> out.add(e.asText()));
        } else if (v != null && !v.isNull()) {
            out.add(v.asText());
        }
        return out;
    }

    /** A whole number from 1 to {@code max}, {@code fallback} when absent. */
    int bounded(String name, int fallback, int max) {
        String v = text(name);
        if (v == null || v.isEmpty()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.strip());
            if (n >= 1 && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw MlflowError.invalid("Invalid value " + v + " for parameter '" + name + "' supplied: it must be a whole number from 1 to " + max);
    }
}
