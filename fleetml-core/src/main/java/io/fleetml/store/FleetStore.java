package io.fleetml.store;

import java.nio.file.Path;
import java.util.List;

/**
 * A tracking store and an artifact store used together: the embedded store is a directory holding
 * {@code fleetml.db} (SQLite, WAL) and {@code artifacts/} (model packs).
 */
public record FleetStore(TrackingStore tracking, ArtifactStore artifacts) implements AutoCloseable {

    /** The embedded store in {@code dir}, created when there is none: for commands that write. */
    public static FleetStore open(Path dir) {
        return new FleetStore(SqliteTrackingStore.open(dir.resolve("fleetml.db")), PackArtifactStore.local(dir.resolve("artifacts")));
    }

    /**
     * The embedded store in {@code dir}, which must exist: for commands that read (and delete). A store that
     * cannot be written opens read-only.
     *
     * @throws StoreException NOT_FOUND when there is no store in {@code dir}
     */
    public static FleetStore openExisting(Path dir) {
        return new FleetStore(SqliteTrackingStore.openExisting(dir.resolve("fleetml.db")), PackArtifactStore.local(dir.resolve("artifacts")));
    }

    /** What deleting sessions did. */
    public record Deletion(List<String> sessions, int packsDeleted, List<String> packsLeft) {
    }

    /**
     * Deletes sessions, their device runs, and the model packs no remaining session uses (a retraining's
     * inherited models stay as long as it does).
     */
    public Deletion delete(List<String> sessionIds) {
        List<String> unused = tracking.deleteSessions(sessionIds);
        List<String> left = artifacts.deletePacks(unused);
        return new Deletion(List.copyOf(sessionIds), unused.size() - left.size(), left);
    }

    @Override
    public void close() {
        try (tracking) {
            artifacts.close();
        }
    }
}
