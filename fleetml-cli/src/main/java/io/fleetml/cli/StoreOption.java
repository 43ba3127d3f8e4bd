package io.fleetml.cli;

import io.fleetml.store.FleetStore;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The {@code --store DIR} option every command shares. */
final class StoreOption {
    @Option(names = "--store", paramLabel = "DIR",
            description = "Store directory (default: $FLEETML_STORE or ./fleetml-store).")
    Path store;

    Path dir() {
        if (store != null) {
            return store;
        }
        String env = System.getenv("FLEETML_STORE");
        return Path.of(env != null && !env.isBlank() ? env : "fleetml-store");
    }

    FleetStore open() {
        return FleetStore.open(dir());
    }
}
