package io.fleetml.server;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * With a token, registry writes need {@code Authorization: Bearer <token>}; with {@code tokenReads}, every route but
 * {@code /health} and the dashboard's files (pages, scripts, styles: no data) do. The comparison takes the same time whatever the token sent: both are hashed, and the digests
 * compared in constant time, so neither the token's bytes nor its length leak through timing.
 */
final class BearerAuth implements Handler {
    private final byte[] digest;
    private final boolean reads;

    BearerAuth(String token, boolean reads) {
        this.digest = sha256(token);
        this.reads = reads;
    }

    @Override
    public void handle(Context ctx) {
        String path = ctx.path();
        if (path.equals("/health") || Dashboard.isAsset(ctx.method(), path) || !(reads || isWrite(ctx.method(), path))) {
            return;
        }
        String header = ctx.header("Authorization");
        String sent = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).strip() : null;
        if (sent == null || !MessageDigest.isEqual(digest, sha256(sent))) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new ApiException(ErrorCode.UNAUTHORIZED, sent == null
                    ? "this needs a token: send the header 'Authorization: Bearer <token>'" : "the token is not the server's");
        }
    }

    /** Registry changes; a prediction is a read, though it is a POST, and so are MLflow's searches. */
    static boolean isWrite(HandlerType method, String path) {
        if (io.fleetml.server.mlflow.MlflowRoutes.isMlflow(path)) {
            return io.fleetml.server.mlflow.MlflowRoutes.isWrite(method, path);
        }
        boolean changes = method == HandlerType.POST || method == HandlerType.PUT || method == HandlerType.DELETE || method == HandlerType.PATCH;
        return changes && !path.endsWith("/predict");
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
