package io.fleetml.spark;

import io.fleetml.data.FleetInputException;
import io.fleetml.options.TrainOptions;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.SessionSummary;
import io.fleetml.store.SqliteTrackingStore;
import io.fleetml.store.TrackingStore;
import io.fleetml.train.TrainSpec;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * The Spark job: {@code spark-submit --class io.fleetml.spark.SparkJob fleetml-spark-<version>.jar train|score <flags>},
 * with the same flags as {@code fleetml train} and {@code fleetml score}. Locally, {@code ./fleetml spark train --master local[2] ...}.
 */
@Command(name = "fleetml-spark", mixinStandardHelpOptions = true, version = "fleetml-spark 0.1.0",
        description = "Train or score one model per device on Apache Spark.",
        subcommands = {SparkJob.Train.class, SparkJob.Score.class})
public final class SparkJob implements Runnable {

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new SparkJob());
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            Throwable cause = e;
            while (!(cause instanceof FleetInputException) && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof FleetInputException) {
                line.getErr().println("fleetml: error: " + cause.getMessage());
                return 2;
            }
            line.getErr().println("fleetml: failed: " + e);
            if (System.getenv("FLEETML_DEBUG") != null) {
                e.printStackTrace(line.getErr());
            }
            return 1;
        });
        System.exit(cli.execute(args));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "name a command: train or score");
    }

    /** Where the data comes from, where results go, and the store: shared by train and score. */
    static final class JobOptions {
        @Option(names = "--master", description = "Spark master, e.g. local[2] or spark://host:7077 (default: as spark-submit sets it).")
        String master;

        @Option(names = "--data", paramLabel = "PATH", description = "Parquet or CSV (by extension; CSV with a header, NA for missing) files or directory.")
        String data;

        @Option(names = "--table", paramLabel = "NAME", description = "A table in the session's catalog instead of --data.")
        String table;

        @Option(names = "--store", defaultValue = "fleetml-store", paramLabel = "DIR", description = "Tracking store directory on the driver (default: ${DEFAULT-VALUE}).")
        Path store;

        @Option(names = "--artifacts", paramLabel = "URI", description = "Where executors write models: file:, hdfs:, s3a: (default: <store>/artifacts).")
        String artifacts;

        @Option(names = "--out", paramLabel = "PATH", description = "Write the result with Spark: Parquet, or CSV when the name ends in .csv (a directory, as Spark writes).")
        String out;

        SparkSession spark() {
            SparkSession.Builder b = SparkSession.builder().appName("fleetml");
            if (master != null) {
                b.master(master);
            }
            return b.getOrCreate();
        }

        Dataset<Row> read(SparkSession spark) {
            if ((data == null) == (table == null)) {
                throw new FleetInputException("give either --data PATH or --table NAME");
            }
            if (table != null) {
                return spark.table(table);
            }
            String path = dataFiles(data);
            String lower = path.toLowerCase(Locale.ROOT);
            if (lower.contains(".csv") || lower.contains(".tsv")) {
                return spark.read().option("header", "true").option("inferSchema", "true").option("nullValue", "NA")
                        .option("sep", lower.contains(".tsv") ? "\t" : ",").csv(path);
            }
            return spark.read().parquet(path);
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

        TrackingStore tracking() {
            return SqliteTrackingStore.open(store.resolve("fleetml.db"));
        }

        String artifactsUri() {
            return artifacts != null ? artifacts : store.resolve("artifacts").toAbsolutePath().toUri().toString();
        }

        void write(Dataset<Row> result) {
            if (out == null) {
                result.show(20, false);
                return;
            }
            var writer = result.write().mode("overwrite");
            if (out.toLowerCase(Locale.ROOT).endsWith(".csv")) {
                writer.option("header", "true").csv(out);
            } else {
                writer.parquet(out);
            }
        }
    }

    @Command(name = "train", mixinStandardHelpOptions = true, description = "Train one model per device and record the session.")
    static final class Train implements Callable<Integer> {
        @Mixin
        JobOptions job;

        @Mixin
        TrainOptions train;

        @Override
        public Integer call() {
            SparkSession spark = job.spark();
            try (TrackingStore tracking = job.tracking()) {
                Dataset<Row> df = job.read(spark);
                TrainSpec spec = train.spec(Arrays.asList(df.columns()));
                SparkFleet fleet = new SparkFleet(tracking, job.artifactsUri());
                Dataset<Row> results = fleet.train(df, spec);
                job.write(results);
                SessionRecord s = fleet.lastSession();
                SessionSummary m = s.summary();
                System.out.printf(Locale.ROOT, "session %s  experiment %s  %s on Spark %s%n  devices: %d OK, %d failed, %d skipped of %d · %.2f s%n"
                                + "  holdout MSE: median %.4g, p90 %.4g · R²: median %.4g%n  store: %s (models under %s%s/)%n",
                        s.id(), s.experiment(), spec.algorithm(), spark.sparkContext().master(), m.ok(), m.failed(), m.skipped(),
                        s.nDevices(), m.seconds(), m.mseP50(), m.mseP90(), m.r2P50(), job.store.toAbsolutePath(), s.artifactRoot(), s.id());
                return m.ok() > 0 ? 0 : 3;
            } finally {
                spark.stop();
            }
        }
    }

    @Command(name = "score", mixinStandardHelpOptions = true, description = "Predict every record with its device's model from a session.")
    static final class Score implements Callable<Integer> {
        @Mixin
        JobOptions job;

        @Option(names = "--session", required = true, paramLabel = "ID|latest", description = "Training session whose models to use.")
        String session;

        @Override
        public Integer call() {
            SparkSession spark = job.spark();
            try (TrackingStore tracking = job.tracking()) {
                SessionRecord s = tracking.session(session).orElseThrow(() -> new FleetInputException(
                        "no " + ("latest".equals(session) ? "finished session" : "session '" + session + "'") + " in " + job.store));
                Dataset<Row> predictions = new SparkFleet(tracking, job.artifactsUri()).score(job.read(spark), s);
                job.write(predictions);
                System.out.printf("scored with session %s%s%n", s.id(), job.out != null ? "; predictions: " + job.out : "");
                return 0;
            } finally {
                spark.stop();
            }
        }
    }
}
