package io.fleetml.store;

import java.nio.file.Path;

/**
 * A tracking store and an artifact store used together.
 */
public record FleetStore(TrackingStore tracking, ArtifactStore artifacts) implements AutoCloseable {

    /** The embedded store in {@code dir}: {@code fleetml.db} (SQLite, WAL) and {@code artifacts/}. */
    public static FleetStore open(Path dir) {
        return new FleetStore(SqliteTrackingStore.open(dir.resolve("fleetml.db")), new LocalArtifactStore(dir.resolve("artifacts")));
    }

    @Override
    public void close() {
        try (tracking) {
            artifacts.close();
        }
    }
}
