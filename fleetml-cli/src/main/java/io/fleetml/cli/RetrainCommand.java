package io.fleetml.cli;

import io.fleetml.command.RetrainOptions;
import io.fleetml.command.Sessions;
import io.fleetml.command.StoreOption;
import io.fleetml.data.DuckDbFleetSource;
import io.fleetml.engine.TrainingCoordinator;
import io.fleetml.store.DeviceSelection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "retrain", mixinStandardHelpOptions = true,
        description = {"Train some devices of a finished session again, into a new session that is complete:",
                "every other device keeps its run and model from SESSION, by reference (no model is copied)."})
final class RetrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec command;

    @Mixin
    StoreOption store;

    @Parameters(paramLabel = "SESSION", description = "The finished session to repair (see: fleetml sessions), or 'latest'.")
    String session;

    @Mixin
    RetrainOptions retrain;

    @Option(names = "--data", paramLabel = "PATH", description = "Read the data from here (default: where SESSION read it).")
    String data;

    @Option(names = "--out", paramLabel = "FILE", description = "Write one row per device of the new session to this .csv, .csv.gz or .parquet file.")
    Path out;

    @Mixin
    EngineOption engine;

    @Override
    public Integer call() {
        DeviceSelection selection = retrain.selection(file -> {
            try (DuckDbFleetSource table = DuckDbFleetSource.open(file)) {
                return table.distinctValues("device_id");
            }
        });
        return TrainCommand.again(command, store, session, data, out, engine, "retrain",
                tracking -> TrainingCoordinator.retrain(tracking, Sessions.find(tracking, session, null).id(), selection, retrain.params()));
    }
}
