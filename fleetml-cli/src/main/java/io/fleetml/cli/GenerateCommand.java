package io.fleetml.cli;

import io.fleetml.command.Text;
import io.fleetml.data.SyntheticFleet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "generate", mixinStandardHelpOptions = true, description = {
        "Write a synthetic fleet.",
        "reference (default): every device --rows-per-device rows of label = feature_1 + feature_2 + feature_3 + noise.",
        "heterogeneous: devices of 3 to 5,000 training rows (most 30 or fewer) that share one non-linear law and each add "
                + "their own linear part, a tenth departing strongly; columns record_id, device_id, hour, feature_1..3, label. "
                + "--later also writes each device's later rows and about 10%% unseen devices, to test forecasts on."})
final class GenerateCommand implements Callable<Integer> {
    enum Profile { reference, heterogeneous }

    @Spec
    CommandSpec spec;

    @Option(names = "--profile", defaultValue = "reference", paramLabel = "NAME",
            description = "reference or heterogeneous (default: ${DEFAULT-VALUE}).")
    Profile profile;

    @Option(names = "--devices", defaultValue = "10", description = "Number of devices (default: ${DEFAULT-VALUE}; with --profile heterogeneous try 2000).")
    int devices;

    @Option(names = "--rows-per-device", defaultValue = "100000", description = "Rows per device, reference profile only (default: ${DEFAULT-VALUE}).")
    int rowsPerDevice;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output file: .csv, .csv.gz or .parquet (heterogeneous: the training rows).")
    Path out;

    @Option(names = "--later", paramLabel = "FILE", description = "Heterogeneous profile only: also write each device's later rows, "
            + "and all rows of unseen devices, to this .csv, .csv.gz or .parquet file.")
    Path later;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        long start = System.nanoTime();
        var print = spec.commandLine().getOut();
        if (profile == Profile.reference) {
            if (later != null) {
                throw new ParameterException(spec.commandLine(), "--later is for --profile heterogeneous only: the reference profile has no later rows");
            }
            long rows = SyntheticFleet.write(out, devices, rowsPerDevice, seed);
            print.printf("wrote %s rows (%s devices × %s) to %s in %.2f s%n", Text.count(rows),
                    Text.count(devices), Text.count(rowsPerDevice), out, (System.nanoTime() - start) / 1e9);
            return 0;
        }
        if (spec.commandLine().getParseResult().hasMatchedOption("--rows-per-device")) {
            throw new ParameterException(spec.commandLine(), "--rows-per-device does not apply to --profile heterogeneous: it draws each device's "
                    + "size (" + SyntheticFleet.MIN_DEVICE_ROWS + " to " + Text.count(SyntheticFleet.MAX_DEVICE_ROWS) + " training rows)");
        }
        SyntheticFleet.Heterogeneous w = SyntheticFleet.writeHeterogeneous(out, later, devices, seed);
        String laterPart = later == null ? "" : String.format(", and %s later rows (incl. %s unseen devices) to %s", Text.count(w.laterRows()),
                Text.count(w.unseenDevices()), later);
        print.printf("wrote %s rows (%s devices, %s–%s rows each) to %s%s in %.2f s%n", Text.count(w.rows()), Text.count(w.devices()),
                Text.count(w.minRows()), Text.count(w.maxRows()), out, laterPart, (System.nanoTime() - start) / 1e9);
        return 0;
    }
}
