package io.fleetml.spark;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.UUID;

/**
 * Writes a job's result where {@code --out} says, all or nothing: Spark writes it to a hidden temporary directory
 * beside the target, which takes the target's place only once complete; the previous output is removed only after
 * that. A job that fails leaves the previous output as it was, and no temporary directory behind.
 * Parquet, or CSV (with a header) when the name ends in {@code .csv}, gzipped when it ends in {@code .csv.gz}.
 */
final class SparkOutput {
    private SparkOutput() {
    }

    /** Writes {@code result} to {@code out} (a path or URI, on any Hadoop file system); returns where it went, qualified. */
    static String write(Dataset<Row> result, String out) {
        Path target = new Path(out);
        try {
            FileSystem fs = target.getFileSystem(result.sparkSession().sparkContext().hadoopConfiguration());
            target = fs.makeQualified(target);
            Path tmp = new Path(target.getParent(), "." + target.getName() + "." + UUID.randomUUID() + ".tmp");
            try {
                writer(result, out).save(tmp.toString());
                replace(fs, tmp, target);
            } catch (IOException | RuntimeException | Error e) {
                try {
                    fs.delete(tmp, true);
                } catch (IOException | RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            return target.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
        }
    }

    private static DataFrameWriter<Row> writer(Dataset<Row> result, String out) {
        String name = out.toLowerCase(Locale.ROOT);
        DataFrameWriter<Row> w = result.write().mode("errorifexists");
        if (name.endsWith(".csv") || name.endsWith(".csv.gz")) {
            return w.format("csv").option("header", "true").option("compression", name.endsWith(".gz") ? "gzip" : "none");
        }
        return w.format("parquet");
    }

    /** Moves the complete {@code tmp} to {@code target}; an old {@code target} is set aside first and removed last. */
    private static void replace(FileSystem fs, Path tmp, Path target) throws IOException {
        Path old = null;
        if (fs.exists(target)) {
            old = new Path(target.getParent(), "." + target.getName() + "." + UUID.randomUUID() + ".old");
            if (!fs.rename(target, old)) {
                throw new IOException("cannot move the previous " + target + " aside");
            }
        }
        if (!fs.rename(tmp, target)) {
            if (old != null && !fs.rename(old, target)) {
                throw new IOException("cannot move " + tmp + " to " + target + ", nor the previous output back from " + old);
            }
            throw new IOException("cannot move " + tmp + " to " + target);
        }
        if (old != null) {
            fs.delete(old, true);
        }
    }
}
