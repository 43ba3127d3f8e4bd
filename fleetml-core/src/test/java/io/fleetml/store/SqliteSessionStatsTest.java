package io.fleetml.store;

import java.nio.file.Path;

class SqliteSessionStatsTest extends SessionStatsContract {
    @Override
    TrackingStore open(Path dir) {
        return SqliteTrackingStore.open(dir.resolve("fleetml.db"));
    }
}
