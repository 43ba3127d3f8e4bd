package io.fleetml.cli;

import io.fleetml.command.ModelUseOption;
import io.fleetml.command.Reports;
import io.fleetml.command.ScoredModelsOption;
import io.fleetml.command.StoreOption;
import io.fleetml.data.DeviceIdType;
import io.fleetml.data.DuckDbFleetSource;
import io.fleetml.data.FleetSource;
import io.fleetml.data.FrameQuery;
import io.fleetml.data.TableFile;
import io.fleetml.data.TableFile.Column;
import io.fleetml.engine.LocalEngine;
import io.fleetml.registry.ModelVersion;
import io.fleetml.resolve.ModelResolver;
import io.fleetml.resolve.VersionModels;
import io.fleetml.resolve.ModelUse;
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

@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Predict every record with its device's model from a training session or a registered version.")
final class ScoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec command;

    @Mixin
    StoreOption store;

    @Option(names = "--data", required = true, paramLabel = "PATH", description = "A file, glob or directory with the session's device and feature columns.")
    String data;

    @Mixin
    ScoredModelsOption models;

    @Option(names = "--out", paramLabel = "FILE", description = "Write predictions to this .csv, .csv.gz or .parquet file.")
    Path out;

    @Option(names = "--id-column", paramLabel = "COL", description = "The record id written as record_id (default: the session's id "
            + "column when the data has it, else record_id when present, else the row number).")
    String idColumn;

    @Option(names = "--keep", split = ",", paramLabel = "COL", description = "Columns of the data to pass through to --out beside "
            + "each prediction, e.g. a timestamp and the actual value.")
    List<String> keep = List.of();

    @Mixin
    ModelUseOption use;

    @Mixin
    EngineOption engine;

    @Override
    public Integer call() {
        if (out != null) {
            TableFile.requireWritable(out);
        }
        LocalEngine local = engine.engine();
        try (FleetStore s = store.openExisting(); DuckDbFleetSource source = DuckDbFleetSource.open(data)) {
            ScoredModelsOption.Scored scored = models.resolve(s.tracking());
            return score(source, scored.session(), scored.version(), use.use(), s, out, idColumn, keep, local,
                    command.commandLine().getOut(), command.commandLine().getErr());
        }
    }

    /** Scores, writes the predictions (when {@code out} is given), prints the summary; the exit code says whether any record got one. */
    static int score(DuckDbFleetSource source, SessionRecord session, ModelVersion version, ModelUse use, FleetStore store, Path out,
                     String idColumn, List<String> keep, LocalEngine engine, PrintWriter print, PrintWriter err) {
        ModelResolver models = LocalEngine.models(session, store.tracking(), use);
        if (version != null) {
            models = VersionModels.of(models, version, session);
        }
        if ((!keep.isEmpty() || idColumn != null && !source.isWholeNumber(idColumn)) && out == null) {
            throw new io.fleetml.data.FleetInputException(keep.isEmpty() ? "id column '" + idColumn + "' is not a whole number: it can be "
                    + "written to a predictions file only; give one with --out" : "--keep passes columns through to the predictions file; give it with --out");
        }
        // A record id that is not a whole number (a UUID, a timestamp) travels like a kept column
        boolean joined = !keep.isEmpty() || idColumn != null && !source.isWholeNumber(idColumn);
        String id = session.spec().scoreQuery(source.columns(), idColumn).idColumn();
        // with --keep, records are known by their row number and joined back to the data's columns once scored
        FrameQuery query = joined ? session.spec().scoreQuery(source.columns(), idColumn).withIdColumn(null)
                : session.spec().scoreQuery(source.columns(), idColumn);
        if (joined) {
            source.checkColumns("kept column", keep);
            if (idColumn != null) {
                source.checkColumns("id column", List.of(idColumn));
            }
        }
        long start = System.nanoTime(); // the time printed includes writing the predictions out
        ScoreReport r;
        if (out != null) {
            // Device ids as the data being scored has them: integers stay integers.
            DeviceIdType deviceIds = source.deviceIds(session.spec().deviceColumn());
            Path target = joined ? out.resolveSibling("." + out.getFileName() + ".predictions.parquet") : out;
            try (TableFile table = TableFile.create(target, predictionColumns(models.names(), deviceIds))) {
                r = engine.score(source, query, models, store.artifacts(), (device, ids, predictions, model) -> table.row(ids,
                        deviceIds.value(device), predictions, model), TerminalProgress.forConsole());
                table.commit();
            }
            if (joined) {
                try {
                    source.writeJoined(target, id, keep, out);
                } finally {
                    try {
                        java.nio.file.Files.deleteIfExists(target);
                    } catch (java.io.IOException ignored) {
                        // a hidden file beside the output
                    }
                }
            }
        } else {
            long[] shown = {0};
            Reports.predictionsHeader(print);
            r = engine.score(source, query, models, store.artifacts(), (device, ids, predictions, model) -> {
                for (int i = 0; i < ids.length && shown[0] < 10; i++, shown[0]++) {
                    Reports.prediction(print, ids[i], device, predictions[i], model);
                }
            }, TerminalProgress.forConsole());
        }
        Reports.score(print, r, session.id(), version == null ? null : version.ref(), (System.nanoTime() - start) / 1e9, out == null ? null : out.toString());
        return Reports.scoreExit(r, err);
    }

    /** The columns of {@code --out}; the model column holds one of the names a session's models can have, or null. */
    static List<Column> predictionColumns(List<String> modelNames, DeviceIdType deviceIds) {
        return List.of(Column.integers("record_id"), deviceIds.column("device_id"), Column.reals("prediction"), Column.oneOf("model", modelNames));
    }
}
