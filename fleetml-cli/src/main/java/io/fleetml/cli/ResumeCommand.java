package io.fleetml.cli;

import io.fleetml.command.StoreOption;
import io.fleetml.data.DuckDbFleetSource;
import io.fleetml.data.FleetInputException;
import io.fleetml.data.FleetSource;
import io.fleetml.data.TableFile;
import io.fleetml.engine.LocalEngine;
import io.fleetml.engine.TrainingCoordinator;
import io.fleetml.store.FleetStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "resume", mixinStandardHelpOptions = true,
        description = "Finish an interrupted or failed session: train only the devices that have no run yet, with the same spec and data.")
final class ResumeCommand implements Callable<Integer> {
    @Spec
    CommandSpec command;

    @Mixin
    StoreOption store;

    @Parameters(paramLabel = "SESSION", description = "The interrupted or failed session (see: fleetml sessions).")
    String session;

    @Option(names = "--data", paramLabel = "PATH", description = "Read the data from here (default: where the session read it).")
    String data;

    @Option(names = "--out", paramLabel = "FILE", description = "Write one row per device of the whole session to this .csv, .csv.gz or .parquet file.")
    Path out;

    @Mixin
    EngineOption engine;

    @Override
    public Integer call() {
        if (out != null) {
            TableFile.requireWritable(out);
        }
        LocalEngine local = engine.engine();
        try (FleetStore s = store.openExisting()) {
            TrainingCoordinator.Plan plan = TrainingCoordinator.resume(s.tracking(), session);
            try (FleetSource source = TrainCommand.dataOf(plan, data, "resume", session)) {
                return TrainCommand.run(source, plan, s, store, out, local, command.commandLine().getOut(), command.commandLine().getErr());
            }
        }
    }
}
