package io.fleetml.cli;

import io.fleetml.command.Text;
import io.fleetml.data.SyntheticFleet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "generate", mixinStandardHelpOptions = true, description = "Write the reference synthetic fleet (label = feature_1 + feature_2 + feature_3 + noise).")
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--devices", defaultValue = "10", description = "Number of devices (default: ${DEFAULT-VALUE}).")
    int devices;

    @Option(names = "--rows-per-device", defaultValue = "100000", description = "Rows per device (default: ${DEFAULT-VALUE}).")
    int rowsPerDevice;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output file: .csv, .csv.gz or .parquet.")
    Path out;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        long start = System.nanoTime();
        long rows = SyntheticFleet.write(out, devices, rowsPerDevice, seed);
        spec.commandLine().getOut().printf("wrote %s rows (%s devices × %s) to %s in %.2f s%n", Text.count(rows),
                Text.count(devices), Text.count(rowsPerDevice), out, (System.nanoTime() - start) / 1e9);
        return 0;
    }
}
