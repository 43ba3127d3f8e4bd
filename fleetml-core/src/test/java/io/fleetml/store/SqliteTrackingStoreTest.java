package io.fleetml.store;

import java.nio.file.Path;

class SqliteTrackingStoreTest extends TrackingStoreContract {
    @Override
    TrackingStore open(Path dir) {
        return SqliteTrackingStore.open(dir.resolve("fleetml.db"));
    }
}
