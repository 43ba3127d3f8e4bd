package io.fleetml.server.rest;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fleetml.server.ApiException;
import io.javalin.http.Context;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

/** JSON in and out of the routes: one mapper, errors in reading a body as 400 naming what is wrong. */
public final class JsonBodies {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonBodies() {
    }

    /** Something that writes a document to a generator. */
    @FunctionalInterface
    public interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    /** Answers with {@code value} (maps, lists, strings, numbers) as JSON. */
    public static void send(Context ctx, int status, Object value) throws IOException {
        ctx.status(status).contentType("application/json").result(MAPPER.writeValueAsBytes(value));
    }

    /** Answers with the document {@code writer} writes, streamed into a buffer without an object tree. */
    public static void send(Context ctx, int status, Writer writer) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
            writer.write(g);
        }
        ctx.status(status).contentType("application/json").result(out.toByteArray());
    }

    /** The request's body, which must be a JSON object. */
    public static ObjectNode object(Context ctx) {
        byte[] body = ctx.bodyAsBytes();
        JsonNode node;
        try {
            node = body.length == 0 ? null : MAPPER.readTree(body);
        } catch (IOException e) {
            throw ApiException.badRequest("the body is not valid JSON: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
        if (!(node instanceof ObjectNode o)) {
            throw ApiException.badRequest("the body must be a JSON object");
        }
        return o;
    }

    /** A text field of {@code body}, or null when absent or null; any other type is refused. */
    public static String text(ObjectNode body, String field, boolean required) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw ApiException.badRequest("the body needs '" + field + "'");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw ApiException.badRequest("'" + field + "' must be text");
        }
        return v.asText();
    }
}
