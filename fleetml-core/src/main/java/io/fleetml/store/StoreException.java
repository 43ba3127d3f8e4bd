package io.fleetml.store;

/**
 * A store refused or could not do what was asked. The kind tells a caller how to react: the CLI maps it to
 * an exit code, a server to an HTTP status. The message is one line a user can act on.
 */
public class StoreException extends RuntimeException {

    /** What went wrong, independent of the store's technology. */
    public enum Kind {
        /** No such session, device or store: HTTP 404, exit 2. */
        NOT_FOUND,
        /** The request contradicts the store's state, e.g. deleting a running session: HTTP 409, exit 4. */
        CONFLICT,
        /** The store cannot be read or written: missing, locked, read-only, corrupt, disk full: HTTP 503, exit 5. */
        UNAVAILABLE
    }

    private final Kind kind;

    public StoreException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public StoreException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public static StoreException notFound(String message) {
        return new StoreException(Kind.NOT_FOUND, message);
    }

    public static StoreException conflict(String message) {
        return new StoreException(Kind.CONFLICT, message);
    }

    public static StoreException unavailable(String message, Throwable cause) {
        return new StoreException(Kind.UNAVAILABLE, message, cause);
    }
}
