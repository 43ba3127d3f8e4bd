package io.fleetml.cli;

import io.fleetml.engine.LocalEngine;
import picocli.CommandLine.Option;

/** The {@code --threads N} option of the commands that run the engine. */
final class EngineOption {
    @Option(names = "--threads", paramLabel = "N", description = "Worker threads, at least 1 (default: all cores).")
    Integer threads;

    LocalEngine engine() {
        return threads == null ? new LocalEngine() : new LocalEngine(threads);
    }
}
