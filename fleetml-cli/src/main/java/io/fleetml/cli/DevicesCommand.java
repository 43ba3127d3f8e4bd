package io.fleetml.cli;

import io.fleetml.data.FleetInputException;
import io.fleetml.store.FleetStore;
import io.fleetml.train.TrainOutcome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;

@Command(name = "devices", description = "List the per-device outcomes of a training session.")
final class DevicesCommand implements Callable<Integer> {
    enum Sort { mse, r2, n_used, device }

    @Spec
    CommandSpec command;

    @Mixin
    StoreOption store;

    @Parameters(paramLabel = "SESSION", description = "Session id, or 'latest'.")
    String session;

    @Option(names = "--sort", defaultValue = "device", description = "mse (worst first), r2 (worst first), n_used (fewest first) or device.")
    Sort sort;

    @Option(names = "--status", paramLabel = "OK|FAILED|SKIPPED", description = "Only devices with this status.")
    TrainOutcome.Status status;

    @Option(names = "--limit", defaultValue = "50", description = "Show at most this many devices; 0 for all (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the listed devices to this .csv, .csv.gz or .parquet file.")
    Path out;

    @Override
    public Integer call() {
        try (FleetStore s = store.open()) {
            var record = s.tracking().session(session).orElseThrow(() -> new FleetInputException(
                    "no session '" + session + "' in " + store.dir() + "; list them with: fleetml sessions"));
            List<TrainOutcome> devices = new ArrayList<>(s.tracking().devices(record.id()));
            if (status != null) {
                devices.removeIf(d -> d.status() != status);
            }
            switch (sort) {
                case mse -> devices.sort(nanLast(o -> -o.holdout().mse()));
                case r2 -> devices.sort(nanLast(o -> o.holdout().r2()));
                case n_used -> devices.sort(Comparator.comparingInt(TrainOutcome::nUsed));
                case device -> { }
            }
            if (out != null) {
                TrainCommand.writeResults(out, record, devices);
            }
            List<List<String>> rows = new ArrayList<>();
            for (TrainOutcome o : limit > 0 ? devices.subList(0, Math.min(limit, devices.size())) : devices) {
                rows.add(List.of(o.deviceId(), o.status().name(), Text.count(o.nUsed()), Text.count(o.nTest()), Text.count(o.nDropped()),
                        Text.num(o.holdout().mse()), Text.num(o.holdout().r2()), Text.num(o.trainMse()), String.format("%.1f", o.trainMs()),
                        o.error() != null ? o.error() : ""));
            }
            var print = command.commandLine().getOut();
            print.printf("session %s (%s, %s): %s of %s devices%n", record.id(), record.status(), record.spec().algorithm(),
                    Text.count(rows.size()), Text.count(devices.size()));
            print.print(Text.table(List.of("device_id", "status", "n_used", "n_test", "n_dropped", "mse", "r2", "train_mse", "train_ms", "error"), rows));
            return 0;
        }
    }

    /** Ascending by {@code key}, devices without the metric last. */
    private static Comparator<TrainOutcome> nanLast(ToDoubleFunction<TrainOutcome> key) {
        return Comparator.comparing((TrainOutcome o) -> Double.isNaN(key.applyAsDouble(o))).thenComparingDouble(key);
    }
}
