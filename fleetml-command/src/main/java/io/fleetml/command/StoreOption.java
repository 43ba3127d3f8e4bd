package io.fleetml.command;

import io.fleetml.store.FleetStore;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The {@code --store DIR} option every command shares, the Spark job's included. */
public final class StoreOption {
    @Option(names = "--store", paramLabel = "DIR",
            description = "Store directory (default: $FLEETML_STORE, else ./fleetml-store).")
    Path store;

    /** The store directory: {@code --store}, else {@code $FLEETML_STORE}, else {@code ./fleetml-store}. */
    public Path dir() {
        if (store != null) {
            return store;
        }
        String env = System.getenv("FLEETML_STORE");
        return Path.of(env != null && !env.isBlank() ? env : "fleetml-store");
    }

    /** The store, created when there is none: for commands that train. */
    public FleetStore open() {
        return FleetStore.open(dir());
    }

    /** The store, which must exist (read-only when it cannot be written): for commands that read or delete. */
    public FleetStore openExisting() {
        return FleetStore.openExisting(dir());
    }
}
