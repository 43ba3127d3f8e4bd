package io.fleetml.command;

import io.fleetml.data.FleetInputException;
import io.fleetml.store.DeviceSelection;
import io.fleetml.train.TrainOutcome;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** Which devices a retraining trains and what it changes: shared by {@code fleetml retrain} and the Spark job's. */
public final class RetrainOptions {
    @Option(names = "--status", split = ",", paramLabel = "STATUS", description = "Retrain the devices with these statuses in SESSION: "
            + "OK, FAILED, SKIPPED (default: FAILED,SKIPPED unless --devices or --devices-from is given).")
    List<TrainOutcome.Status> statuses = new ArrayList<>();

    @Option(names = "--devices", split = ",", paramLabel = "ID", description = "Retrain these devices.")
    List<String> devices = new ArrayList<>();

    @Option(names = "--devices-from", paramLabel = "FILE", description = "Retrain the devices listed in FILE: one id per line, "
            + "or the device_id column of a .csv/.parquet file such as 'fleetml devices --out' writes.")
    String devicesFrom;

    @Option(names = "--param", paramLabel = "NAME=VALUE", description = "Replace an algorithm parameter of SESSION's, repeatable.")
    Map<String, String> params = new LinkedHashMap<>();

    /**
     * The devices to retrain.
     *
     * @param deviceIdsOfTable reads the {@code device_id} column of a {@code .csv}/{@code .parquet} file, as the engine reads tables
     */
    public DeviceSelection selection(Function<String, List<String>> deviceIdsOfTable) {
        List<String> named = new ArrayList<>(devices);
        if (devicesFrom != null) {
            String name = devicesFrom.toLowerCase(Locale.ROOT);
            named.addAll(name.endsWith(".parquet") || name.endsWith(".csv") || name.endsWith(".csv.gz")
                    ? deviceIdsOfTable.apply(devicesFrom) : lines(devicesFrom));
        }
        Set<TrainOutcome.Status> which = statuses.isEmpty() && named.isEmpty()
                ? Set.of(TrainOutcome.Status.FAILED, TrainOutcome.Status.SKIPPED) : Set.copyOf(statuses);
        return new DeviceSelection(which, named);
    }

    /** The parameters that replace the session's. */
    public Map<String, String> params() {
        return params;
    }

    private static List<String> lines(String file) {
        try {
            return Files.readAllLines(Path.of(file)).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            throw new FleetInputException("cannot read --devices-from " + file + ": " + e.getMessage(), e);
        }
    }
}
