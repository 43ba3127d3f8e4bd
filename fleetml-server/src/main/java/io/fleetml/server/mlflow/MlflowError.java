package io.fleetml.server.mlflow;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.fleetml.server.ErrorCode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** A refusal in MLflow's terms: its error code ({@code RESOURCE_DOES_NOT_EXIST}, ...), HTTP status and message. */
public final class MlflowError extends RuntimeException {
    private static final JsonFactory JSON = new JsonFactory();
    private final int status;
    private final String code;

    MlflowError(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    static MlflowError notFound(String message) {
        return new MlflowError(404, "RESOURCE_DOES_NOT_EXIST", message);
    }

    static MlflowError invalid(String message) {
        return new MlflowError(400, "INVALID_PARAMETER_VALUE", message);
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    /** MLflow's code for one of fleetml's server errors (an unknown route, a missing token, a body too large, ...). */
    public static String code(ErrorCode c) {
        return switch (c) {
            case BAD_REQUEST -> "INVALID_PARAMETER_VALUE";
            case UNAUTHORIZED -> "UNAUTHENTICATED";
            case NOT_FOUND -> "ENDPOINT_NOT_FOUND";
            case CONFLICT -> "INVALID_STATE";
            case PAYLOAD_TOO_LARGE -> "REQUEST_LIMIT_EXCEEDED";
            case INTERNAL -> "INTERNAL_ERROR";
            case UNAVAILABLE -> "TEMPORARILY_UNAVAILABLE";
        };
    }

    /** {@code {"error_code": ..., "message": ...}}. */
    public static byte[] body(String code, String message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("error_code", code);
            g.writeStringField("message", message == null ? "(no message)" : message);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
