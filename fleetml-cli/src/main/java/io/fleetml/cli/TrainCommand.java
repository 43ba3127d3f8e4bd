package io.fleetml.cli;

import io.fleetml.command.Reports;
import io.fleetml.command.StoreOption;
import io.fleetml.command.TrainOptions;
import io.fleetml.data.DuckDbFleetSource;
import io.fleetml.data.FleetInputException;
import io.fleetml.data.FleetSource;
import io.fleetml.data.TableFile;
import io.fleetml.engine.LocalEngine;
import io.fleetml.engine.TrainReport;
import io.fleetml.engine.TrainingCoordinator;
import io.fleetml.mlflow.MlflowExport;
import io.fleetml.mlflow.MlflowHttp;
import io.fleetml.store.DeviceQuery;
import io.fleetml.store.DeviceResults;
import io.fleetml.store.FleetStore;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.TrackingStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train one model per device, evaluate it on a holdout, store it and log the session.")
final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec command;

    @Mixin
    StoreOption store;

    @Option(names = "--data", required = true, paramLabel = "PATH", description = "A file, glob (quote it: 'data/*.csv.gz') or directory of .csv, .csv.gz or .parquet files.")
    String data;

    @Mixin
    TrainOptions options;

    @Option(names = "--out", paramLabel = "FILE", description = "Write one row per device to this .csv, .csv.gz or .parquet file.")
    Path out;

    @Mixin
    EngineOption engine;

    @Option(names = "--mlflow", paramLabel = "URL", description = "When the session finishes, export it to this MLflow server (as "
            + "fleetml mlflow export SESSION --tracking-uri URL does, with its defaults).")
    String mlflow;

    @Override
    public Integer call() {
        if (out != null) {
            TableFile.requireWritable(out);
        }
        MlflowExport.Options export = mlflow == null ? null : MlflowCommand.options(null, "default", null, 8);
        if (mlflow != null) {
            try {
                MlflowHttp.baseOf(mlflow); // a wrong URL is said before training, not after
            } catch (IllegalArgumentException e) {
                throw new io.fleetml.data.FleetInputException("--mlflow: " + e.getMessage());
            }
        }
        LocalEngine local = engine.engine();
        try (FleetSource source = DuckDbFleetSource.open(data); FleetStore s = store.open()) {
            TrainingCoordinator.Plan plan = TrainingCoordinator.fresh(options.spec(source.columns()));
            PrintWriter print = command.commandLine().getOut();
            PrintWriter err = command.commandLine().getErr();
            return run(source, plan, s, store, out, local, print, err, session -> {
                if (mlflow == null) {
                    return io.fleetml.command.ExitCode.OK;
                }
                try {
                    return MlflowCommand.export(s, session, mlflow, export, MlflowHttp.Retry.DEFAULT.attempts(), print, err);
                } catch (io.fleetml.store.StoreException e) {
                    throw io.fleetml.store.StoreException.unavailable(e.getMessage() + "; the session is trained and stored: export it when the "
                            + "server answers, with: fleetml mlflow export " + session.id() + " --tracking-uri " + mlflow, e);
                }
            });
        }
    }

    /**
     * Trains what {@code plan} says (a new, resumed or retrained session), writes the results, prints the summary;
     * the exit code says whether any device has a model.
     */
    static int run(FleetSource source, TrainingCoordinator.Plan plan, FleetStore store, StoreOption storeOption, Path out, LocalEngine engine,
                   PrintWriter print, PrintWriter err) {
        return run(source, plan, store, storeOption, out, engine, print, err, session -> 0);
    }

    /** As above, then {@code after} with the finished session (the MLflow export); its exit code wins when it is not 0. */
    static int run(FleetSource source, TrainingCoordinator.Plan plan, FleetStore store, StoreOption storeOption, Path out, LocalEngine engine,
                   PrintWriter print, PrintWriter err, java.util.function.ToIntFunction<SessionRecord> after) {
        TrainReport report = engine.train(source, plan, store, TerminalProgress.forConsole());
        if (out != null) {
            writeResults(out, report.session(), store.tracking(), DeviceQuery.ALL);
        }
        Reports.train(print, report, store.tracking(), source.description(), out == null ? null : out.toString(),
                storeOption.dir().toAbsolutePath().toString());
        int code = Reports.trainExit(report, err);
        SessionRecord finished = store.tracking().session(report.session().id()).orElse(report.session());
        int then = after.applyAsInt(finished);
        return then != 0 ? then : code;
    }

    /**
     * Resumes or retrains a recorded session ({@code plan} makes the plan from the store), reading the data where the
     * session read it unless {@code data} says otherwise; prints and writes as {@code train} does.
     */
    static int again(CommandSpec command, StoreOption store, String session, String data, Path out, EngineOption engine, String verb,
                     java.util.function.Function<TrackingStore, TrainingCoordinator.Plan> plan) {
        if (out != null) {
            TableFile.requireWritable(out);
        }
        LocalEngine local = engine.engine();
        try (FleetStore s = store.openExisting()) {
            TrainingCoordinator.Plan planned = plan.apply(s.tracking());
            try (FleetSource source = dataOf(planned, data, verb, session)) {
                return run(source, planned, s, store, out, local, command.commandLine().getOut(), command.commandLine().getErr());
            }
        }
    }

    /**
     * The data a resumed or retrained session reads: {@code --data} when given, else where the session read it.
     *
     * @throws FleetInputException when that is unknown, or a place only Spark reads (a table, {@code hdfs:})
     */
    private static FleetSource dataOf(TrainingCoordinator.Plan plan, String data, String verb, String session) {
        String location = data != null ? data : plan.dataLocation();
        if (location == null) {
            throw new FleetInputException("session " + session + " did not record where its data is; give it with --data PATH");
        }
        if (data == null && (location.startsWith("table:") || location.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*") && !location.startsWith("file:"))) {
            throw new FleetInputException("session " + session + " read its data from " + location + ", which only Spark reads; "
                    + verb + " it there (fleetml spark " + verb + " " + session + "), or give local data with --data PATH");
        }
        return DuckDbFleetSource.open(location.startsWith("file:") ? java.nio.file.Path.of(java.net.URI.create(location)).toString() : location);
    }

    /** The runs {@code query} selects, one row per device, to {@code out} (see {@link DeviceResults#write}). */
    static void writeResults(Path out, SessionRecord session, TrackingStore tracking, DeviceQuery query) {
        DeviceResults.write(out, session, tracking, query);
    }
}
