package io.fleetml.cli;

import io.fleetml.command.StoreOption;
import io.fleetml.data.DuckDbFleetSource;
import io.fleetml.data.FleetInputException;
import io.fleetml.data.FleetSource;
import io.fleetml.data.TableFile;
import io.fleetml.engine.LocalEngine;
import io.fleetml.engine.TrainingCoordinator;
import io.fleetml.store.DeviceSelection;
import io.fleetml.store.FleetStore;
import io.fleetml.train.TrainOutcome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "retrain", mixinStandardHelpOptions = true,
        description = {"Train some devices of a finished session again, into a new session that is complete:",
                "every other device keeps its run and model from SESSION, by reference (no model is copied)."})
final class RetrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec command;

    @Mixin
    StoreOption store;

    @Parameters(paramLabel = "SESSION", description = "The finished session to repair (see: fleetml sessions).")
    String session;

    @Option(names = "--status", split = ",", paramLabel = "STATUS", description = "Retrain the devices with these statuses in SESSION: "
            + "OK, FAILED, SKIPPED (default: FAILED,SKIPPED unless --devices or --devices-from is given).")
    List<TrainOutcome.Status> statuses = new ArrayList<>();

    @Option(names = "--devices", split = ",", paramLabel = "ID", description = "Retrain these devices.")
    List<String> devices = new ArrayList<>();

    @Option(names = "--devices-from", paramLabel = "FILE", description = "Retrain the devices listed in FILE: one id per line, "
            + "or the device_id column of a .csv/.parquet file such as 'fleetml devices --out' writes.")
    Path devicesFrom;

    @Option(names = "--data", paramLabel = "PATH", description = "Read the data from here (default: where SESSION read it).")
    String data;

    @Option(names = "--param", paramLabel = "NAME=VALUE", description = "Replace an algorithm parameter of SESSION's, repeatable.")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--out", paramLabel = "FILE", description = "Write one row per device of the new session to this .csv, .csv.gz or .parquet file.")
    Path out;

    @Mixin
    EngineOption engine;

    @Override
    public Integer call() {
        if (out != null) {
            TableFile.requireWritable(out);
        }
        LocalEngine local = engine.engine();
        List<String> named = new ArrayList<>(devices);
        if (devicesFrom != null) {
            named.addAll(readDevices(devicesFrom));
        }
        Set<TrainOutcome.Status> which = statuses.isEmpty() && named.isEmpty()
                ? Set.of(TrainOutcome.Status.FAILED, TrainOutcome.Status.SKIPPED) : Set.copyOf(statuses);
        try (FleetStore s = store.openExisting()) {
            TrainingCoordinator.Plan plan = TrainingCoordinator.retrain(s.tracking(), session, new DeviceSelection(which, named), params);
            try (FleetSource source = TrainCommand.dataOf(plan, data, "retrain", session)) {
                return TrainCommand.run(source, plan, s, store, out, local, command.commandLine().getOut(), command.commandLine().getErr());
            }
        }
    }

    /** Device ids from a file: the device_id column of a table, or one id per line. */
    private static List<String> readDevices(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".parquet") || name.endsWith(".csv") || name.endsWith(".csv.gz")) {
            try (DuckDbFleetSource table = DuckDbFleetSource.open(file.toString())) {
                return table.distinctValues("device_id");
            }
        }
        try {
            return Files.readAllLines(file).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            throw new FleetInputException("cannot read --devices-from " + file + ": " + e.getMessage(), e);
        }
    }
}
