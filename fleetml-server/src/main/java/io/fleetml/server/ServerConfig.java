package io.fleetml.server;

/**
 * How a {@link FleetServer} listens and what it allows.
 *
 * @param host            the address to listen on ({@code 127.0.0.1}: this machine only)
 * @param port            the port; 0 picks a free one
 * @param token           the bearer token that registry writes (and with {@code tokenReads}, every route but {@code /health})
 *                        need, or null for none
 * @param tokenReads      whether reads need the token too
 * @param modelCacheBytes bound on the stored size of the loaded device models (fleet models stay loaded besides)
 * @param maxBodyBytes    largest request body; a larger one is refused with 413
 * @param maxRows         most rows one prediction request may carry; more is refused with 413
 * @param versionsKept    how many versions' device-to-model maps stay loaded (each is about 100 bytes per device)
 */
public record ServerConfig(String host, int port, String token, boolean tokenReads, long modelCacheBytes, long maxBodyBytes,
                           int maxRows, int versionsKept) {
    public static final String LOCALHOST = "127.0.0.1";
    public static final long DEFAULT_MODEL_CACHE_MB = 512;
    public static final long DEFAULT_MAX_BODY_MB = 16;
    public static final int DEFAULT_MAX_ROWS = 100_000;
    public static final int DEFAULT_VERSIONS_KEPT = 4;

    public ServerConfig {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be in 0..65535, got " + port);
        }
        if (token != null && token.isEmpty()) {
            token = null;
        }
        if (tokenReads && token == null) {
            throw new IllegalArgumentException("reads can only need a token when there is one: set --token or FLEETML_TOKEN");
        }
        if (modelCacheBytes < 0 || maxBodyBytes < 1 || maxRows < 1 || versionsKept < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }

    /** This machine only, a free port, no token, the default limits. */
    public static ServerConfig local() {
        return new ServerConfig(LOCALHOST, 0, null, false, DEFAULT_MODEL_CACHE_MB << 20, DEFAULT_MAX_BODY_MB << 20, DEFAULT_MAX_ROWS,
                DEFAULT_VERSIONS_KEPT);
    }

    public ServerConfig listening(String host, int port) {
        return new ServerConfig(host, port, token, tokenReads, modelCacheBytes, maxBodyBytes, maxRows, versionsKept);
    }

    public ServerConfig withToken(String token, boolean reads) {
        return new ServerConfig(host, port, token, reads, modelCacheBytes, maxBodyBytes, maxRows, versionsKept);
    }

    public ServerConfig withLimits(long modelCacheBytes, long maxBodyBytes, int maxRows) {
        return new ServerConfig(host, port, token, tokenReads, modelCacheBytes, maxBodyBytes, maxRows, versionsKept);
    }
}
