package io.fleetml.server;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;

/**
 * The errors Jetty answers before a request reaches the routes (an ambiguous encoded path such as {@code ..%2F},
 * a URI or header too long, a shutdown under way) in the same JSON shape as the routes' errors, without a stack trace.
 */
final class JsonErrorPages extends ErrorHandler {
    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause, Callback callback) {
        ErrorCode error = ErrorCode.of(code);
        String text = code == 503 ? "the server is shutting down" : message == null || message.isBlank()
                ? "HTTP " + code : message;
        response.getHeaders().put("Content-Type", "application/json");
        response.write(true, ByteBuffer.wrap(ErrorResponses.body(error, text)), callback);
    }
}
