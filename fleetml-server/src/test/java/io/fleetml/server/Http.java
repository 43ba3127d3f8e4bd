package io.fleetml.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A real HTTP client against a server on this machine, answers read as JSON where they are JSON. */
record Http(String base, String token) {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    Http(String base) {
        this(base, null);
    }

    Http withToken(String t) {
        return new Http(base, t);
    }

    /** A response: its status, its body as text, and the body as JSON (null when it is not JSON). */
    record Answer(int status, String text, JsonNode json) {
        /** The error's code, asserting the error shape. */
        String errorCode() {
            if (json == null || !json.has("error") || !json.get("error").has("code") || !json.get("error").has("message")) {
                throw new AssertionError("not an error document: " + status + " " + text);
            }
            return json.get("error").get("code").asText();
        }

        String errorMessage() {
            errorCode();
            return json.get("error").get("message").asText();
        }

        @Override
        public String toString() {
            return status + " " + (text.length() > 2000 ? text.substring(0, 2000) + "…" : text);
        }
    }

    Answer get(String path) {
        return send(request(path).GET());
    }

    Answer post(String path, String body) {
        return send(request(path).POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json"));
    }

    Answer put(String path, String body) {
        return send(request(path).PUT(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json"));
    }

    Answer delete(String path) {
        return send(request(path).DELETE());
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        return token == null ? b : b.header("Authorization", "Bearer " + token);
    }

    Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json = null;
            try {
                json = r.body().isEmpty() ? null : JSON.readTree(r.body());
            } catch (IOException e) {
                // not JSON (metrics)
            }
            return new Answer(r.statusCode(), r.body(), json);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
