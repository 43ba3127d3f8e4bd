package io.fleetml.spark;

import io.fleetml.data.DeviceFrame;
import io.fleetml.data.DeviceIdType;
import io.fleetml.data.FleetInputException;
import io.fleetml.data.ColumnNames;
import io.fleetml.engine.TrainingWorker;
import io.fleetml.model.Algorithm;
import io.fleetml.model.Algorithms;
import io.fleetml.score.DeviceScoring;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.SessionSummary;
import io.fleetml.store.TrackingStore;
import io.fleetml.train.Metrics;
import io.fleetml.train.TrainOutcome;
import io.fleetml.train.TrainSpec;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_distinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.monotonically_increasing_id;

/**
 * Per-device training and scoring on Spark: the grouped-map recipe without Python. Rows are range-partitioned
 * by device and sorted; each device's run of rows becomes a {@link DeviceFrame} and goes through the same
 * {@link TrainingWorker} / {@link DeviceScoring} as the local engine. Executors write models through
 * {@link HadoopArtifactStore}; the driver records the session and its device runs in the tracking store.
 *
 * <pre>{@code
 * SparkFleet fleet = new SparkFleet(trackingStore, "hdfs://nn/fleetml/artifacts");
 * Dataset<Row> results = fleet.train(df, spec);             // device_id, n_used, n_test, model_uri, mse, ...
 * Dataset<Row> predictions = fleet.score(df, fleet.lastSession());
 * }</pre>
 */
public final class SparkFleet {
    /**
     * One row per device, the same columns as the CLI's {@code --out}. {@code device_id} is text here, as
     * executors produce it; {@link #train} returns it as a long when the device column is a whole-number type.
     */
    public static final StructType RESULTS = new StructType()
            .add("device_id", DataTypes.StringType, false).add("n_used", DataTypes.IntegerType, false)
            .add("n_test", DataTypes.IntegerType, false).add("model_uri", DataTypes.StringType, true)
            .add("mse", DataTypes.DoubleType, true).add("rmse", DataTypes.DoubleType, true)
            .add("mae", DataTypes.DoubleType, true).add("r2", DataTypes.DoubleType, true)
            .add("status", DataTypes.StringType, false).add("error", DataTypes.StringType, true)
            .add("train_ms", DataTypes.DoubleType, false).add("n_rows", DataTypes.IntegerType, false)
            .add("n_dropped", DataTypes.IntegerType, false).add("train_mse", DataTypes.DoubleType, true);

    /** One row per record; {@code device_id} as in {@link #RESULTS}. */
    public static final StructType PREDICTIONS = new StructType()
            .add("record_id", DataTypes.LongType, false).add("device_id", DataTypes.StringType, false)
            .add("prediction", DataTypes.DoubleType, true).add("model", DataTypes.StringType, true);

    private static final int COMMIT_BATCH = 1000;
    private final TrackingStore tracking;
    private final HadoopArtifactStore artifacts;
    private SessionRecord lastSession;

    /** @param artifactsUri where executors write models: {@code file:}, {@code hdfs:}, {@code s3a:} (shared by all executors) */
    public SparkFleet(TrackingStore tracking, String artifactsUri) {
        this.tracking = tracking;
        this.artifacts = new HadoopArtifactStore(artifactsUri);
    }

    /** The session the last {@link #train} recorded. */
    public SessionRecord lastSession() {
        return lastSession;
    }

    /**
     * Trains one model per device of {@code df} and records the session; returns one row per device
     * ({@link #RESULTS}). A device's failure is its row's status, never a failed job.
     */
    public Dataset<Row> train(Dataset<Row> df, TrainSpec spec) {
        spec.check(); // an unknown algorithm or bad parameters fail here, before any job runs
        check(df, spec.deviceColumn(), spec.features(), spec.label(), spec.idColumn(), spec.timeColumns());
        long start = System.nanoTime();
        // Not cached: building Spark's in-memory cache of the input cost more (5 s for 1M rows) than reading it twice.
        Dataset<Row> input = deviceRows(df, spec.deviceColumn(), spec.features(), spec.label(), spec.idColumn(), spec.timeColumns());
        Row shape = input.agg(count(lit(1)), count_distinct(col("device"))).first();
        long rows = shape.getLong(0);
        if (rows == 0) {
            throw new FleetInputException("no rows with a device id in the data");
        }
        DeviceIdType deviceIds = deviceIds(df, spec.deviceColumn());
        SessionRecord session = tracking.startSession(spec, describe(df), rows, shape.getLong(1), deviceIds, artifacts.root());
        SessionSummary.Collector collector = new SessionSummary.Collector();
        Dataset<Row> trained = null;
        try {
            trained = byDevice(input, shape.getLong(1), spec.timeColumns().size())
                    .mapPartitions(trainPartition(JobContext.of(session, artifacts)), Encoders.row(RESULTS)).persist();
            trained.count(); // trains every partition in parallel; the driver then reads the cached results in turn
            List<TrainOutcome> batch = new ArrayList<>(COMMIT_BATCH);
            Iterator<Row> it = trained.toLocalIterator();
            while (it.hasNext()) {
                TrainOutcome o = outcome(it.next());
                batch.add(o);
                collector.add(o);
                if (batch.size() == COMMIT_BATCH) {
                    tracking.recordDevices(session.id(), batch);
                    batch.clear();
                }
            }
            tracking.recordDevices(session.id(), batch);
        } catch (RuntimeException e) {
            if (trained != null) {
                trained.unpersist();
            }
            tracking.finishSession(session.id(), SessionRecord.FAILED, collector.summary(seconds(start)), e.getMessage());
            throw e;
        }
        tracking.finishSession(session.id(), SessionRecord.FINISHED, collector.summary(seconds(start)), null);
        lastSession = tracking.session(session.id()).orElseThrow();
        return typed(trained, deviceIds);
    }

    /**
     * Predicts every record of {@code df} with its device's model from {@code session}: one row per record
     * ({@link #PREDICTIONS}); records of devices without a model get a null prediction.
     */
    public Dataset<Row> score(Dataset<Row> df, SessionRecord session) {
        if (!SessionRecord.FINISHED.equals(session.status())) {
            throw new FleetInputException("session " + session.id() + " is " + session.status() + ", not FINISHED; score a finished session");
        }
        TrainSpec spec = session.spec();
        List<String> columns = Arrays.asList(df.columns());
        String id = spec.idColumn() != null && columns.contains(spec.idColumn()) ? spec.idColumn() : TrainSpec.defaultIdColumn(columns);
        check(df, spec.deviceColumn(), spec.features(), null, id, List.of());
        Map<String, String> uris = tracking.modelUris(session.id());
        Broadcast<Map<String, String>> models = JavaSparkContext.fromSparkContext(df.sparkSession().sparkContext()).broadcast(uris);
        Dataset<Row> rows = deviceRows(df, spec.deviceColumn(), spec.features(), null, id, List.of());
        return typed(byDevice(rows, session.nDevices(), 0).mapPartitions(scorePartition(JobContext.of(session, artifacts), models),
                Encoders.row(PREDICTIONS)), deviceIds(df, spec.deviceColumn()));
    }

    /** Integer ids stay integers in the output (a join back to the source needs no cast); others are text. */
    private static DeviceIdType deviceIds(Dataset<Row> df, String deviceColumn) {
        DataType type = df.schema().apply(deviceColumn).dataType();
        return type == DataTypes.LongType || type == DataTypes.IntegerType || type == DataTypes.ShortType || type == DataTypes.ByteType
                ? DeviceIdType.INTEGER : DeviceIdType.TEXT;
    }

    private static Dataset<Row> typed(Dataset<Row> out, DeviceIdType deviceIds) {
        return deviceIds == DeviceIdType.INTEGER ? out.withColumn("device_id", col("device_id").cast(DataTypes.LongType)) : out;
    }

    /** What the rows were read from: the input files when Spark knows them, else the application. */
    private static String describe(Dataset<Row> df) {
        String[] files = df.inputFiles();
        if (files.length == 0) {
            return "spark:" + df.sparkSession().sparkContext().appName();
        }
        return files[0] + (files.length > 1 ? " (+" + (files.length - 1) + " files)" : "");
    }

    /** device (text), features and label (double), order columns, record id (long). */
    private static Dataset<Row> deviceRows(Dataset<Row> df, String device, List<String> features, String label, String id, List<String> time) {
        List<Column> cols = new ArrayList<>();
        cols.add(col(quote(device)).cast(DataTypes.StringType).as("device"));
        for (int i = 0; i < features.size(); i++) {
            cols.add(col(quote(features.get(i))).cast(DataTypes.DoubleType).as("f" + i));
        }
        if (label != null) {
            cols.add(col(quote(label)).cast(DataTypes.DoubleType).as("label"));
        }
        for (int i = 0; i < time.size(); i++) {
            cols.add(col(quote(time.get(i))).as("t" + i));
        }
        // Without an id column a record is known by a per-row id that follows source order (not consecutive).
        cols.add((id != null ? col(quote(id)).cast(DataTypes.LongType) : monotonically_increasing_id()).as("record_id"));
        return df.select(cols.toArray(Column[]::new)).where(col("device").isNotNull());
    }

    /**
     * Each device's rows together in one partition, in order (time columns, then record id). Ranges of
     * devices rather than hash buckets: a few large devices each get a partition of their own, many small
     * ones share; an explicit partition count also keeps adaptive execution from merging partitions,
     * which would train CPU-heavy devices one after another.
     */
    private static Dataset<Row> byDevice(Dataset<Row> rows, long devices, int timeColumns) {
        int partitions = (int) Math.max(1, Math.min(devices, 4L * rows.sparkSession().sparkContext().defaultParallelism()));
        List<Column> sort = new ArrayList<>();
        sort.add(col("device"));
        for (int i = 0; i < timeColumns; i++) {
            sort.add(col("t" + i));
        }
        sort.add(col("record_id"));
        return rows.repartitionByRange(partitions, col("device")).sortWithinPartitions(sort.toArray(Column[]::new));
    }

    private static String quote(String column) {
        return "`" + column.replace("`", "``") + "`";
    }

    private static void check(Dataset<Row> df, String device, List<String> features, String label, String id, List<String> time) {
        StructType schema = df.schema();
        List<String> names = Arrays.asList(schema.fieldNames());
        require(names, "device column", device);
        for (String f : features) {
            requireNumeric(schema, names, "feature column", f);
        }
        if (label != null) {
            requireNumeric(schema, names, "label column", label);
        }
        if (id != null) {
            requireNumeric(schema, names, "id column", id);
        }
        for (String t : time) {
            require(names, "time column", t);
        }
    }

    private static void require(List<String> names, String what, String column) {
        if (!names.contains(column)) {
            throw new FleetInputException(ColumnNames.missingMessage(what, column, "the data", names));
        }
    }

    private static void requireNumeric(StructType schema, List<String> names, String what, String column) {
        require(names, what, column);
        DataType type = schema.apply(column).dataType();
        if (!(type instanceof NumericType) && type != DataTypes.BooleanType) {
            throw new FleetInputException(what + " '" + column + "' is " + type.simpleString() + ", not numeric; encode it as numbers first or leave it out");
        }
    }

    static TrainOutcome outcome(Row r) {
        return new TrainOutcome(r.getString(0), TrainOutcome.Status.valueOf(r.getString(8)), r.getInt(11), r.getInt(1), r.getInt(2),
                r.getInt(12), new Metrics(real(r, 4), real(r, 5), real(r, 6), real(r, 7)), real(r, 13), r.getString(3), r.getString(9),
                r.getDouble(10));
    }

    private static double real(Row r, int i) {
        return r.isNullAt(i) ? Double.NaN : r.getDouble(i);
    }

    private static Double boxed(double v) {
        return Double.isNaN(v) ? null : v;
    }

    static Row row(TrainOutcome o) {
        Metrics m = o.holdout();
        return RowFactory.create(o.deviceId(), o.nUsed(), o.nTest(), o.modelUri(), boxed(m.mse()), boxed(m.rmse()), boxed(m.mae()),
                boxed(m.r2()), o.status().name(), o.error(), o.trainMs(), o.nRows(), o.nDropped(), boxed(o.trainMse()));
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    /**
     * Cuts a partition's rows (sorted by device) into device frames: device, features, [label], [time...],
     * record_id. Holds one device's rows at a time.
     */
    static final class Frames implements Iterator<DeviceFrame> {
        private final Iterator<Row> rows;
        private final List<String> features;
        private final boolean labelled;
        private Row next;

        Frames(Iterator<Row> rows, List<String> features, boolean labelled) {
            this.rows = rows;
            this.features = features;
            this.labelled = labelled;
            this.next = rows.hasNext() ? rows.next() : null;
        }

        @Override
        public boolean hasNext() {
            return next != null;
        }

        @Override
        public DeviceFrame next() {
            String device = next.getString(0);
            List<Row> group = new ArrayList<>();
            while (next != null && device.equals(next.getString(0))) {
                group.add(next);
                next = rows.hasNext() ? rows.next() : null;
            }
            int p = features.size();
            int n = group.size();
            int idAt = group.get(0).fieldIndex("record_id");
            double[][] cols = new double[p][n];
            double[] label = labelled ? new double[n] : null;
            long[] ids = new long[n];
            for (int i = 0; i < n; i++) {
                Row r = group.get(i);
                for (int f = 0; f < p; f++) {
                    cols[f][i] = r.isNullAt(1 + f) ? Double.NaN : r.getDouble(1 + f);
                }
                if (labelled) {
                    label[i] = r.isNullAt(1 + p) ? Double.NaN : r.getDouble(1 + p);
                }
                ids[i] = r.getLong(idAt);
            }
            return new DeviceFrame(device, features, cols, label, ids);
        }
    }

    /** What every task needs: the session, where models live, and a user's own algorithm (built-ins are found by name). */
    private record JobContext(SessionRecord session, HadoopArtifactStore artifacts, Algorithm custom) implements java.io.Serializable {
        static JobContext of(SessionRecord session, HadoopArtifactStore artifacts) {
            Algorithm algorithm = session.spec().resolveAlgorithm();
            return new JobContext(session, artifacts, algorithm instanceof Algorithm.CustomAlgorithm ? algorithm : null);
        }

        /** On an executor: make the user's algorithm known there, then hand out the session's features. */
        List<String> prepare() {
            if (custom != null) {
                Algorithms.register(custom);
            }
            return session.spec().features();
        }
    }

    /** Executor side of training: a partition's devices through the local engine's worker code, one output row each. */
    private static MapPartitionsFunction<Row, Row> trainPartition(JobContext job) {
        return rows -> {
            Frames frames = new Frames(rows, job.prepare(), true);
            TrainingWorker worker = new TrainingWorker(job.session(), job.artifacts(), 1);
            List<Row> out = new ArrayList<>();
            while (frames.hasNext()) {
                out.add(row(worker.train(0, List.of(frames.next())).get(0)));
            }
            return out.iterator();
        };
    }

    /** Executor side of scoring: each device's model is loaded once, then predicts the device's rows, streamed out. */
    private static MapPartitionsFunction<Row, Row> scorePartition(JobContext job, Broadcast<Map<String, String>> models) {
        return rows -> {
            Frames frames = new Frames(rows, job.prepare(), false);
            DeviceScoring scoring = new DeviceScoring(job.session(), models.value(), job.artifacts());
            return new Iterator<Row>() {
                private DeviceScoring.Scored current;
                private int at;

                @Override
                public boolean hasNext() {
                    while ((current == null || at == current.frame().rows()) && frames.hasNext()) {
                        current = scoring.score(frames.next());
                        at = 0;
                    }
                    return current != null && at < current.frame().rows();
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new java.util.NoSuchElementException();
                    }
                    double p = current.predictions() == null ? Double.NaN : current.predictions()[at];
                    Row r = RowFactory.create(current.frame().recordIds()[at], current.frame().deviceId(), boxed(p), current.model());
                    at++;
                    return r;
                }
            };
        };
    }
}
