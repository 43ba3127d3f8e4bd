package io.fleetml.cli;

import io.fleetml.data.DeviceIdType;
import io.fleetml.data.DuckDbFleetSource;
import io.fleetml.data.FleetInputException;
import io.fleetml.data.FleetSource;
import io.fleetml.data.TableFile;
import io.fleetml.data.TableFile.Column;
import io.fleetml.engine.LocalEngine;
import io.fleetml.score.DeviceScoring;
import io.fleetml.score.ScoreReport;
import io.fleetml.store.FleetStore;
import io.fleetml.store.SessionRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "score", description = "Predict every record with its device's model from a training session.")
final class ScoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec command;

    @Mixin
    StoreOption store;

    @Option(names = "--data", required = true, paramLabel = "PATH", description = "A file, glob or directory with the session's device and feature columns.")
    String data;

    @Option(names = "--session", required = true, paramLabel = "ID|latest", description = "Training session whose models to use; 'latest' is the newest finished one.")
    String session;

    @Option(names = "--out", paramLabel = "FILE", description = "Write predictions to this .csv, .csv.gz or .parquet file.")
    Path out;

    @Mixin
    EngineOption engine;

    @Override
    public Integer call() {
        if (out != null) {
            TableFile.requireWritable(out);
        }
        try (FleetSource source = DuckDbFleetSource.open(data)) {
            return score(source, session, store, out, engine.engine(), command.commandLine().getOut());
        }
    }

    /** The columns of {@code --out}; a model is named by {@link DeviceScoring#modelName}, or null. */
    static List<Column> predictionColumns(SessionRecord session, DeviceIdType deviceIds) {
        return List.of(Column.integers("record_id"), deviceIds.column("device_id"), Column.reals("prediction"),
                Column.oneOf("model", List.of(DeviceScoring.modelName(session))));
    }

    static int score(FleetSource source, String sessionId, StoreOption storeOption, Path out, LocalEngine engine, PrintWriter print) {
        try (FleetStore store = storeOption.open()) {
            SessionRecord session = store.tracking().session(sessionId).orElseThrow(() -> new FleetInputException(
                    "latest".equals(sessionId) ? "no finished training session in " + storeOption.dir() + "; run fleetml train first"
                            : "no session '" + sessionId + "' in " + storeOption.dir() + "; list them with: fleetml sessions"));
            ScoreReport r;
            long start = System.nanoTime(); // the time printed includes writing the predictions out
            if (out != null) {
                // Device ids as the data being scored has them: integers stay integers.
                DeviceIdType deviceIds = source.deviceIds(session.spec().deviceColumn());
                try (TableFile table = TableFile.create(out, predictionColumns(session, deviceIds))) {
                    r = engine.score(source, session, store, (device, ids, predictions, model) -> table.row(ids, deviceIds.value(device),
                            predictions, model), TerminalProgress.forConsole());
                }
            } else {
                long[] shown = {0};
                print.println("record_id  device_id  prediction  model   (first 10; write all with --out)");
                r = engine.score(source, session, store, (device, ids, predictions, model) -> {
                    for (int i = 0; i < ids.length && shown[0]++ < 10; i++) {
                        print.printf("%s  %s  %s  %s%n", ids[i], device, Text.num(predictions[i]), model);
                    }
                }, TerminalProgress.forConsole());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            print.printf("scored %s of %s records (%s devices) with session %s in %.2f s (%s records/s)%n", Text.count(r.predicted()),
                    Text.count(r.records()), Text.count(r.devices()), session.id(), seconds, Text.rate(r.records(), seconds));
            if (r.devicesWithoutModel() > 0) {
                print.printf("  no model: %s devices, %s records (unknown to the session, or failed/skipped there): no prediction%n",
                        Text.count(r.devicesWithoutModel()), Text.count(r.recordsWithoutModel()));
            }
            if (r.recordsNotPredicted() > 0) {
                print.printf("  %s records have a missing feature the model cannot take: no prediction%n", Text.count(r.recordsNotPredicted()));
            }
            if (out != null) {
                print.printf("  predictions: %s%n", out);
            }
            return 0;
        }
    }
}
