package io.fleetml.cli;

import io.fleetml.command.StoreOption;
import io.fleetml.engine.TrainingCoordinator;
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
        return TrainCommand.again(command, store, session, data, out, engine, "resume", tracking -> TrainingCoordinator.resume(tracking, session));
    }
}
