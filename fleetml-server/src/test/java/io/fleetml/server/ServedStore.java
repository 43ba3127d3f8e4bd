package io.fleetml.server;

import io.fleetml.data.DuckDbFleetSource;
import io.fleetml.data.FleetSource;
import io.fleetml.engine.LocalEngine;
import io.fleetml.engine.Progress;
import io.fleetml.fleet.FleetMode;
import io.fleetml.fleet.FleetSpec;
import io.fleetml.store.FleetStore;
import io.fleetml.store.SessionRecord;
import io.fleetml.train.TrainSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A store trained through the real engine for the server's tests: devices {@code dev-0 … dev-(n-1)} with
 * {@code y = offset + d + 2·x1 − 3·x2 + noise}, so that two sessions trained with offsets 0 and 1000 predict a
 * thousand apart.
 */
final class ServedStore {
    static final List<String> FEATURES = List.of("x1", "x2");

    private ServedStore() {
    }

    /** Writes the fleet as CSV: {@code device_id,x1,x2,y}; integer ids {@code 1..n} when {@code integerIds}. */
    static Path fleet(Path file, int devices, int rows, double offset, boolean integerIds, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder("device_id,x1,x2,y\n");
        for (int d = 0; d < devices; d++) {
            for (int i = 0; i < rows; i++) {
                double x1 = r.nextDouble();
                double x2 = r.nextDouble();
                double y = offset + d + 2 * x1 - 3 * x2 + 0.05 * (r.nextDouble() - 0.5);
                sb.append(String.format(Locale.ROOT, "%s,%.6f,%.6f,%.6f%n", integerIds ? String.valueOf(d + 1) : "dev-" + d, x1, x2, y));
            }
        }
        try {
            Files.writeString(file, sb);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** Trains linear device models on {@code data}, with a boosted fleet model and stack when {@code stack}. */
    static SessionRecord train(FleetStore store, Path data, boolean stack) {
        TrainSpec.Builder spec = TrainSpec.builder("device_id", FEATURES, "y").algorithm("linear").experiment("serve-test");
        if (stack) {
            spec.fleet(new FleetSpec(FleetMode.STACK, "gradient_boosting", Map.of("n_estimators", "30"), 0.2, 100_000));
        }
        try (FleetSource source = DuckDbFleetSource.open(data.toString())) {
            return new LocalEngine(2).train(source, spec.build(), store, Progress.NONE).session();
        }
    }
}
