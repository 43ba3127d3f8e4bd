package io.fleetml.cli;

import io.fleetml.data.DeviceIdType;
import io.fleetml.data.DuckDbFleetSource;
import io.fleetml.data.FleetSource;
import io.fleetml.data.TableFile;
import io.fleetml.data.TableFile.Column;
import io.fleetml.engine.LocalEngine;
import io.fleetml.engine.TrainReport;
import io.fleetml.options.TrainOptions;
import io.fleetml.store.FleetStore;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.SessionSummary;
import io.fleetml.train.TrainOutcome;
import io.fleetml.train.TrainSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "train", description = "Train one model per device, evaluate it on a holdout, store it and log the session.")
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

    @Override
    public Integer call() {
        if (out != null) {
            TableFile.requireWritable(out);
        }
        try (FleetSource source = DuckDbFleetSource.open(data)) {
            TrainSpec spec = options.spec(source.columns());
            return train(source, spec, store, out, engine.engine(), command.commandLine().getOut(), command.commandLine().getErr());
        }
    }

    /** Trains, prints the summary and writes the results; the exit code says whether any device trained. */
    static int train(FleetSource source, TrainSpec spec, StoreOption storeOption, Path out, LocalEngine engine, PrintWriter print, PrintWriter err) {
        try (FleetStore store = storeOption.open()) {
            TrainReport report = engine.train(source, spec, store, TerminalProgress.forConsole());
            SessionSummary s = report.summary();
            List<TrainOutcome> outcomes = (out != null || s.failed() > 0 || s.skipped() > 0) ? store.tracking().devices(report.session().id()) : List.of();
            print.printf("session %s  experiment %s  %s on %s%n", report.session().id(), spec.experiment(), spec.algorithm(), source.description());
            print.printf("  devices: %s OK, %s failed, %s skipped of %s · %s rows used · %.2f s (%s devices/s)%n",
                    Text.count(s.ok()), Text.count(s.failed()), Text.count(s.skipped()), Text.count(report.session().nDevices()),
                    Text.count(s.rowsUsed()), s.seconds(), Text.rate(report.session().nDevices(), s.seconds()));
            print.printf("  holdout MSE: median %s, p90 %s, max %s · R²: median %s, p10 %s%n",
                    Text.num(s.mseP50()), Text.num(s.mseP90()), Text.num(s.mseMax()), Text.num(s.r2P50()), Text.num(s.r2P10()));
            if (!s.worst().isEmpty()) {
                print.print("  worst devices by R²:");
                for (SessionSummary.WorstDevice w : s.worst()) {
                    print.printf(" %s (R² %s, MSE %s)", w.deviceId(), Text.num(w.r2()), Text.num(w.mse()));
                }
                print.println();
            }
            outcomes.stream().filter(o -> o.status() != TrainOutcome.Status.OK).limit(5)
                    .forEach(o -> print.printf("  %s %s: %s%n", o.status(), o.deviceId(), o.error()));
            if (s.failed() + s.skipped() > 5) {
                print.printf("  ... see all with: fleetml devices %s --status FAILED%n", report.session().id());
            }
            if (out != null) {
                writeResults(out, report.session(), outcomes);
                print.printf("  results: %s%n", out);
            }
            print.printf("  store: %s (models under %s%s/)%n", storeOption.dir().toAbsolutePath(), report.session().artifactRoot(), report.session().id());
            if (s.ok() == 0) {
                print.flush();
                err.println("fleetml: no device trained (" + s.failed() + " failed, " + s.skipped()
                        + " skipped); see the reasons above or with: fleetml devices " + report.session().id());
                return FleetCli.NO_MODEL;
            }
            return 0;
        }
    }

    /** One row per device of {@code session}; device ids as the session's data had them (integers stay integers). */
    static void writeResults(Path out, SessionRecord session, List<TrainOutcome> outcomes) {
        DeviceIdType deviceIds = session.deviceIds();
        List<Column> columns = List.of(deviceIds.column("device_id"), Column.integer("n_used"), Column.integer("n_test"),
                Column.text("model_uri"), Column.real("mse"), Column.real("rmse"), Column.real("mae"), Column.real("r2"),
                Column.text("status"), Column.text("error"), Column.real("train_ms"), Column.integer("n_rows"),
                Column.integer("n_dropped"), Column.real("train_mse"));
        try (TableFile table = TableFile.create(out, columns)) {
            for (TrainOutcome o : outcomes) {
                table.row(deviceIds.value(o.deviceId()), o.nUsed(), o.nTest(), o.modelUri(), o.holdout().mse(), o.holdout().rmse(), o.holdout().mae(),
                        o.holdout().r2(), o.status().name(), o.error(), o.trainMs(), o.nRows(), o.nDropped(), o.trainMse());
            }
        }
    }
}
