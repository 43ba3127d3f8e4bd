package io.fleetml.spark;

import io.fleetml.command.ExitCode;
import io.fleetml.command.ModelUseOption;
import io.fleetml.command.Reports;
import io.fleetml.command.RetrainOptions;
import io.fleetml.command.ScoredModelsOption;
import io.fleetml.command.Sessions;
import io.fleetml.command.StoreOption;
import io.fleetml.command.Text;
import io.fleetml.command.TrainOptions;
import io.fleetml.data.FleetInputException;
import io.fleetml.engine.TrainingCoordinator;
import io.fleetml.registry.ModelVersion;
import io.fleetml.resolve.ModelUse;
import io.fleetml.score.ScoreReport;
import io.fleetml.store.DeviceSelection;
import io.fleetml.store.FleetStore;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.StoreException;
import io.fleetml.store.TrackingStore;
import io.fleetml.train.TrainOutcome;
import io.fleetml.train.TrainSpec;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * The Spark job: {@code spark-submit --class io.fleetml.spark.SparkJob fleetml-spark-<version>.jar train|score|resume|retrain <flags>},
 * with the same flags, summaries and exit codes as {@code fleetml train}, {@code score}, {@code resume} and
 * {@code retrain}. Locally, {@code ./fleetml spark train --master local[2] ...}.
 */
@Command(name = "fleetml-spark", mixinStandardHelpOptions = true, version = "fleetml-spark 0.1.0",
        description = "Train, score, resume or retrain one model per device on Apache Spark.",
        subcommands = {SparkJob.Train.class, SparkJob.Score.class, SparkJob.Resume.class, SparkJob.Retrain.class})
public final class SparkJob implements Runnable {
    @Spec
    CommandSpec command;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the job as {@link #main} does, without exiting; returns the exit code (see {@link ExitCode}). */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /** The job's command line, with fleetml's one-line errors and exit codes. */
    static CommandLine commandLine() {
        return ExitCode.install(new CommandLine(new SparkJob()));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(command.commandLine(), "name a command: train, score, resume or retrain");
    }

    /** Spark's master, where models go and where the result goes: shared by every command. */
    static final class JobOptions {
        @Option(names = "--master", paramLabel = "URL",
                description = "Spark master, e.g. local[2] or spark://host:7077 (default: as spark-submit sets it, else local[*]).")
        String master;

        @Option(names = "--artifacts", paramLabel = "URI", description = "Where executors write models: file:, hdfs:, s3a: (default: <store>/artifacts).")
        String artifacts;

        @Option(names = "--out", paramLabel = "PATH",
                description = "Write the result with Spark: Parquet, or CSV when the name ends in .csv or .csv.gz (a directory of part files). "
                        + "It replaces an earlier one only when complete.")
        String out;

        SparkSession spark() {
            SparkSession.Builder b = SparkSession.builder().appName("fleetml");
            if (master != null) {
                b.master(master);
            } else if (System.getProperty("spark.master") == null) {
                b.master("local[*]");
            }
            return b.getOrCreate();
        }

        String artifactsUri(StoreOption store) {
            return artifacts != null ? artifacts : store.dir().resolve("artifacts").toAbsolutePath().toUri().toString();
        }

        /** Writes {@code result} to {@code --out}; returns where, or null without {@code --out}. */
        String write(Dataset<Row> result) {
            return out == null ? null : SparkOutput.write(result, out);
        }
    }

    /** Which rows to read: {@code --data} or {@code --table}. */
    static final class DataOptions {
        @Option(names = "--data", paramLabel = "PATH", description = "Parquet or CSV (by extension; CSV with a header, NA for missing) files, glob or directory.")
        String data;

        @Option(names = "--table", paramLabel = "NAME", description = "A table in the Spark session's catalog instead of --data.")
        String table;

        boolean given() {
            return data != null || table != null;
        }

        Dataset<Row> read(SparkSession spark) {
            if ((data == null) == (table == null)) {
                throw new FleetInputException("give either --data PATH or --table NAME");
            }
            return table != null ? spark.table(table) : read(spark, data);
        }

        static Dataset<Row> read(SparkSession spark, String data) {
            String path = dataFiles(data);
            String lower = path.toLowerCase(Locale.ROOT);
            try {
                if (lower.contains(".csv") || lower.contains(".tsv")) {
                    return spark.read().option("header", "true").option("inferSchema", "true").option("nullValue", "NA")
                            .option("sep", lower.contains(".tsv") ? "\t" : ",").csv(path);
                }
                return spark.read().parquet(path);
            } catch (Exception e) { // AnalysisException is a checked exception to Java
                if (String.valueOf(e.getMessage()).contains("PATH_NOT_FOUND")) {
                    throw new FleetInputException("no data at " + data + ": no such file or directory", e);
                }
                throw SparkFleet.sneaky(e);
            }
        }

        /** A local directory becomes a glob of its data files (so a README beside them is not read as data). */
        private static String dataFiles(String data) {
            java.io.File dir = new java.io.File(data);
            String[] names = dir.isDirectory() ? dir.list() : null;
            if (names == null) {
                return data;
            }
            for (String ext : new String[] {".parquet", ".csv.gz", ".csv", ".tsv.gz", ".tsv"}) {
                for (String name : names) {
                    if (name.endsWith(ext) && !name.startsWith(".")) {
                        return new java.io.File(dir, "*" + ext).getPath();
                    }
                }
            }
            return data;
        }

        /** Where the rows can be read again, recorded with the session so that resuming it needs no --data; null for a table. */
        String location() {
            if (data == null) {
                return null;
            }
            boolean uri = data.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*") && !data.matches("^[A-Za-z]:\\\\.*");
            return uri ? data : java.nio.file.Path.of(data).toAbsolutePath().normalize().toString();
        }
    }

    /** Trains what {@code plan} says on Spark, prints the summary and writes the results; the exit code says whether any device trained. */
    static int train(CommandSpec command, JobOptions job, StoreOption store, FleetStore opened, SparkSession spark, Dataset<Row> df,
                     TrainingCoordinator.Plan plan, String dataLocation) {
        SparkFleet fleet = new SparkFleet(opened.tracking(), job.artifactsUri(store));
        Dataset<Row> results = fleet.train(df, plan, dataLocation);
        String written = job.write(results);
        PrintWriter out = command.commandLine().getOut();
        Reports.train(out, fleet.lastReport(), opened.tracking(), "Spark " + spark.sparkContext().master(), written,
                store.dir().toAbsolutePath().toString());
        return Reports.trainExit(fleet.lastReport(), command.commandLine().getErr());
    }

    @Command(name = "train", mixinStandardHelpOptions = true, description = "Train one model per device on Spark and record the session.")
    static final class Train implements Callable<Integer> {
        @Spec
        CommandSpec command;

        @Mixin
        StoreOption store;

        @Mixin
        DataOptions data;

        @Mixin
        JobOptions job;

        @Mixin
        TrainOptions train;

        @Override
        public Integer call() {
            SparkSession spark = job.spark();
            try (FleetStore opened = store.open()) {
                Dataset<Row> df = data.read(spark);
                TrainSpec spec = train.spec(Arrays.asList(df.columns()));
                return SparkJob.train(command, job, store, opened, spark, df, TrainingCoordinator.fresh(spec), data.location());
            } finally {
                spark.stop();
            }
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true,
            description = "Finish an interrupted or failed session on Spark: train only the devices that have no run yet, with the same spec and data.")
    static final class Resume implements Callable<Integer> {
        @Spec
        CommandSpec command;

        @Mixin
        StoreOption store;

        @Parameters(paramLabel = "SESSION", description = "The interrupted or failed session (see: fleetml sessions).")
        String session;

        @Mixin
        DataOptions data;

        @Mixin
        JobOptions job;

        @Override
        public Integer call() {
            try (FleetStore opened = store.openExisting()) {
                TrainingCoordinator.Plan plan = TrainingCoordinator.resume(opened.tracking(), session);
                SparkSession spark = job.spark();
                try {
                    return again(command, job, store, opened, spark, data, plan, session);
                } finally {
                    spark.stop();
                }
            }
        }
    }

    @Command(name = "retrain", mixinStandardHelpOptions = true,
            description = "Train some devices of a finished session again on Spark, into a new session that is complete: every other "
                    + "device keeps its run and model from SESSION, by reference (no model is copied).")
    static final class Retrain implements Callable<Integer> {
        @Spec
        CommandSpec command;

        @Mixin
        StoreOption store;

        @Parameters(paramLabel = "SESSION", description = "The finished session to repair (see: fleetml sessions), or 'latest'.")
        String session;

        @Mixin
        RetrainOptions retrain;

        @Mixin
        DataOptions data;

        @Mixin
        JobOptions job;

        @Override
        public Integer call() {
            try (FleetStore opened = store.openExisting()) {
                SparkSession spark = job.spark();
                try {
                    DeviceSelection selection = retrain.selection(file -> deviceIds(spark, file));
                    TrainingCoordinator.Plan plan = TrainingCoordinator.retrain(opened.tracking(), Sessions.find(opened.tracking(), session, null).id(), selection, retrain.params());
                    return again(command, job, store, opened, spark, data, plan, session);
                } finally {
                    spark.stop();
                }
            }
        }

        /** The device_id column of a table file, read by Spark. */
        private static List<String> deviceIds(SparkSession spark, String file) {
            Dataset<Row> table = DataOptions.read(spark, file);
            if (!Arrays.asList(table.columns()).contains("device_id")) {
                throw new FleetInputException("--devices-from " + file + " has no device_id column");
            }
            return table.selectExpr("CAST(device_id AS STRING)").distinct().collectAsList().stream()
                    .filter(r -> !r.isNullAt(0)).map(r -> r.getString(0)).toList();
        }
    }

    /**
     * Trains a resumed or retrained session's {@code plan}, reading the data where the session read it unless
     * {@code data} names it.
     */
    private static int again(CommandSpec command, JobOptions job, StoreOption store, FleetStore opened, SparkSession spark, DataOptions data,
                             TrainingCoordinator.Plan plan, String session) {
        if (!data.given() && plan.dataLocation() == null) {
            throw new FleetInputException("session " + session + " did not record where its data is; give it with --data PATH or --table NAME");
        }
        Dataset<Row> df = data.given() ? data.read(spark) : DataOptions.read(spark, plan.dataLocation());
        return train(command, job, store, opened, spark, df, plan, data.given() ? data.location() : plan.dataLocation());
    }

    @Command(name = "score", mixinStandardHelpOptions = true, description = "Predict every record on Spark with its device's model from a training session.")
    static final class Score implements Callable<Integer> {
        @Spec
        CommandSpec command;

        @Mixin
        StoreOption store;

        @Mixin
        DataOptions data;

        @Mixin
        ScoredModelsOption models;

        @Option(names = "--id-column", paramLabel = "COL", description = "The record id written as record_id (default: the session's id "
                + "column when the data has it, else record_id when present, else a per-row id).")
        String idColumn;

        @Mixin
        ModelUseOption use;

        @Mixin
        JobOptions job;

        @Override
        public Integer call() {
            ModelUse modelUse = use.use();
            try (FleetStore opened = store.openExisting()) {
                ScoredModelsOption.Scored scored = models.resolve(opened.tracking());
                SessionRecord s = scored.session();
                ModelVersion version = scored.version();
                SparkSession spark = job.spark();
                try {
                    long start = System.nanoTime(); // the time printed includes writing the predictions out
                    SparkFleet fleet = new SparkFleet(opened.tracking(), job.artifactsUri(store));
                    SparkScoring scoring = version == null ? fleet.scoring(data.read(spark), s, idColumn, modelUse)
                            : fleet.scoring(data.read(spark), version, idColumn, modelUse);
                    PrintWriter out = command.commandLine().getOut();
                    String written = job.write(scoring.predictions());
                    if (written == null) {
                        Reports.predictionsHeader(out);
                        for (Row r : firstRows(scoring.predictions(), 10)) {
                            Reports.prediction(out, r.get(0), String.valueOf(r.get(1)), r.isNullAt(2) ? Double.NaN : r.getDouble(2),
                                    r.isNullAt(3) ? null : r.getString(3));
                        }
                    }
                    ScoreReport r = scoring.report((System.nanoTime() - start) / 1e9);
                    Reports.score(out, r, s.id(), version == null ? null : version.ref(), r.seconds(), written);
                    return Reports.scoreExit(r, command.commandLine().getErr());
                } finally {
                    spark.stop();
                }
            }
        }
    }

    /**
     * The first {@code n} rows of {@code rows} in partition order, in one job that computes every row (so that the
     * scoring counts cover them all) and ships only {@code n} per partition to the driver.
     */
    static List<Row> firstRows(Dataset<Row> rows, int n) {
        MapPartitionsFunction<Row, Row> firstOfEach = it -> {
            List<Row> first = new ArrayList<>(n);
            while (it.hasNext()) {
                Row r = it.next();
                if (first.size() < n) {
                    first.add(r);
                }
            }
            return first.iterator();
        };
        List<Row> all = rows.mapPartitions(firstOfEach, Encoders.row(rows.schema())).collectAsList();
        return all.subList(0, Math.min(n, all.size()));
    }

}
