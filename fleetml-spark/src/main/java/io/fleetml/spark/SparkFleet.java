package io.fleetml.spark;

import io.fleetml.data.DeviceFilter;
import io.fleetml.data.DeviceFrame;
import io.fleetml.data.DeviceIdType;
import io.fleetml.data.FleetInputException;
import io.fleetml.data.FrameQuery;
import io.fleetml.engine.TrainReport;
import io.fleetml.engine.TrainingCoordinator;
import io.fleetml.engine.TrainingWorker;
import io.fleetml.model.Algorithm;
import io.fleetml.model.Algorithms;
import io.fleetml.fleet.FleetOutcome;
import io.fleetml.fleet.FleetSample;
import io.fleetml.fleet.FleetStats;
import io.fleetml.resolve.ModelUse;
import io.fleetml.registry.ModelVersion;
import io.fleetml.resolve.ModelResolver;
import io.fleetml.resolve.SessionModels;
import io.fleetml.resolve.VersionModels;
import io.fleetml.score.DeviceScoring;
import io.fleetml.score.ScoreReport;
import io.fleetml.store.ArtifactFiles;
import io.fleetml.store.DeviceSelection;
import io.fleetml.store.PackArtifactStore;
import io.fleetml.store.SessionPlan;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.SessionStatus;
import io.fleetml.store.TrackingStore;
import io.fleetml.train.Metrics;
import io.fleetml.train.TrainOutcome;
import io.fleetml.train.TrainSpec;
import org.apache.spark.SimpleFutureAction;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_distinct;
import static org.apache.spark.sql.functions.lit;

/**
 * Per-device training and scoring on Spark: the grouped-map recipe without Python. Rows are range-partitioned
 * by device and sorted; each device's run of rows becomes a {@link DeviceFrame} and goes through the same
 * {@link TrainingWorker} / {@link DeviceScoring} as the local engine, and the session through the same
 * {@link TrainingCoordinator}. Executors write model packs ({@code <artifacts>/<session>/<pack>.zip}, one per chunk
 * of a partition's devices) through a {@link PackArtifactStore} over {@link HadoopFiles}; the driver records the
 * device runs in the tracking store in batches, as each partition finishes.
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

    /**
     * {@link #RESULTS} of a session with fleet models: also the model chosen for the device and how the fleet, hierarchical and
     * stack models did on its test rows.
     */
    public static final StructType FLEET_RESULTS = RESULTS.add("chosen", DataTypes.StringType, true)
            .add("fleet_mse", DataTypes.DoubleType, true).add("fleet_r2", DataTypes.DoubleType, true)
            .add("hierarchical_mse", DataTypes.DoubleType, true).add("hierarchical_r2", DataTypes.DoubleType, true)
            .add("stack_mse", DataTypes.DoubleType, true).add("stack_r2", DataTypes.DoubleType, true);

    /** What executors send the driver of a fleet session's device: {@link #FLEET_RESULTS}, the residual model and the statistics. */
    private static final StructType FLEET_OUTCOMES = FLEET_RESULTS.add("residual_uri", DataTypes.StringType, true)
            .add("fleet_stats", DataTypes.BinaryType, true);

    /** A row of the fleet model's sample: the device, the label, then the features. */
    private static StructType sampleSchema(List<String> features) {
        StructType t = new StructType().add("device", DataTypes.StringType, false).add("label", DataTypes.DoubleType, false);
        for (int i = 0; i < features.size(); i++) {
            t = t.add("f" + i, DataTypes.DoubleType, true);
        }
        return t;
    }

    /** One row per record; {@code device_id} as in {@link #RESULTS}. */
    public static final StructType PREDICTIONS = new StructType()
            .add("record_id", DataTypes.LongType, false).add("device_id", DataTypes.StringType, false)
            .add("prediction", DataTypes.DoubleType, true).add("model", DataTypes.StringType, true);

    /** Device runs recorded per transaction. */
    private static final int COMMIT_BATCH = 1000;

    private final TrackingStore tracking;
    private final String artifactsRoot;
    private final ArtifactFiles files;
    private TrainReport lastReport;

    /**
     * @param artifactsUri where executors write models: {@code file:}, {@code hdfs:}, {@code s3a:}, ... (shared by
     *                     all executors); other file systems than {@code file:} as the Spark session's Hadoop
     *                     configuration has them
     */
    public SparkFleet(TrackingStore tracking, String artifactsUri) {
        this(tracking, artifactsUri, null);
    }

    /**
     * @param files the file systems of the artifacts, when not the Spark session's Hadoop ones (e.g.
     *              {@link HadoopFiles#localThroughHadoop()}); {@code file:} URIs are read and written with java.nio
     */
    public SparkFleet(TrackingStore tracking, String artifactsUri, ArtifactFiles files) {
        this.tracking = tracking;
        this.artifactsRoot = artifactsUri.endsWith("/") ? artifactsUri : artifactsUri + "/";
        this.files = files;
    }

    /** The session the last {@link #train}, {@link #resume} or {@link #retrain} recorded, or null. */
    public SessionRecord lastSession() {
        return lastReport == null ? null : lastReport.session();
    }

    /** The report of the last {@link #train}, {@link #resume} or {@link #retrain}: the session, its summary, devices trained. */
    public TrainReport lastReport() {
        return lastReport;
    }

    /**
     * Trains one model per device of {@code df} and records the session; returns one row per device
     * ({@link #RESULTS}). A device's failure is its row's status, never a failed job.
     *
     * @throws FleetInputException for bad input, before a session is opened
     */
    public Dataset<Row> train(Dataset<Row> df, TrainSpec spec) {
        return train(df, TrainingCoordinator.fresh(spec), null);
    }

    /**
     * Finishes an interrupted or failed session: trains the devices of {@code df} it has no run for yet, with its
     * spec, and finishes it. Returns the rows of the devices trained now.
     *
     * @throws io.fleetml.store.StoreException CONFLICT when the session is running or finished, NOT_FOUND when there is none
     */
    public Dataset<Row> resume(Dataset<Row> df, String sessionId) {
        return train(df, TrainingCoordinator.resume(tracking, sessionId), null);
    }

    /**
     * Trains the devices {@code selection} names of the finished session {@code parentId} again, into a new session
     * that is complete: the others keep their run and model from the parent, by reference. Returns the rows of the
     * devices trained now.
     *
     * @param params parameters that replace the parent's (others stay)
     */
    public Dataset<Row> retrain(Dataset<Row> df, String parentId, DeviceSelection selection, Map<String, String> params) {
        return train(df, TrainingCoordinator.retrain(tracking, parentId, selection, params), null);
    }

    /** @param dataLocation where {@code df} can be read again (to resume), or null */
    Dataset<Row> train(Dataset<Row> df, TrainingCoordinator.Plan plan, String dataLocation) {
        TrainSpec spec = plan.spec();
        spec.check(); // an unknown algorithm or bad parameters fail here, before any job runs
        FrameQuery query = spec.frameQuery();
        DeviceRows.check(df, query);
        SparkSession spark = df.sparkSession();
        ArtifactFiles artifactFiles = files(spark);
        // Not cached: building Spark's in-memory cache of the input cost more (5 s for 1M rows) than reading it twice.
        Dataset<Row> input = DeviceRows.select(df, query, plan.devices());
        Row shape = input.agg(count(lit(1)), count_distinct(col("device"))).first();
        long rows = shape.getLong(0);
        long devices = shape.getLong(1);
        boolean fresh = plan.resumed() == null && plan.parent() == null;
        if (fresh && rows == 0) {
            long all = df.count();
            throw new FleetInputException("no rows with a device id in " + describe(df)
                    + (all > 0 ? " (all " + all + " rows miss column '" + spec.deviceColumn() + "')" : ""));
        }
        if (plan.parent() != null && plan.resumed() == null && devices == 0) {
            throw new FleetInputException("none of the " + plan.selected() + " devices to retrain is in " + describe(df)
                    + "; point --data at their data");
        }
        DeviceIdType deviceIds = DeviceRows.deviceIds(df, spec.deviceColumn());
        SessionPlan recorded = new SessionPlan(spec, describe(df), dataLocation, rows, devices, deviceIds, artifactsRoot, plan.parent(),
                plan.selection(), "spark");
        Dataset<Row> trained = null;
        try (PackArtifactStore driverArtifacts = new PackArtifactStore(artifactsRoot, artifactFiles);
             TrainingCoordinator session = plan.begin(tracking, driverArtifacts, recorded)) {
            try {
                if (devices > 0) {
                    Dataset<Row> grouped = DeviceRows.byDevice(input, devices, spec.timeColumns().size());
                    SessionRecord running = session.session();
                    if (spec.fleet().enabled()) {
                        JobContext sampling = JobContext.of(running, running.artifactRoot(), artifactFiles, session.packPrefix());
                        // the fleet model is fit on the driver, on a sample collected from the executors (bounded by its cap)
                        try (var fleetModel = session.fleetModel(driverArtifacts, quota -> collectSample(grouped, sampling, quota),
                                Runtime.getRuntime().availableProcessors())) {
                            running = tracking.session(running.id()).orElseThrow(); // now with its fleet model, for the executors
                        }
                    }
                    // a resumed session keeps its models where it has them, whatever this fleet's root
                    JobContext job = JobContext.of(running, running.artifactRoot(), artifactFiles, session.packPrefix());
                    trained = grouped.mapPartitions(trainPartition(job), Encoders.row(spec.fleet().enabled() ? FLEET_OUTCOMES : RESULTS)).persist();
                    recordAsPartitionsFinish(trained, session, "fleetml train " + session.session().id());
                }
            } catch (Exception | Error e) {
                if (trained != null) {
                    trained.unpersist();
                }
                throw sneaky(session.fail(e));
            }
            lastReport = session.finish();
        }
        if (!spec.fleet().enabled()) {
            return typed(trained != null ? trained : spark.createDataFrame(List.of(), RESULTS), deviceIds);
        }
        return typed(trained == null ? spark.createDataFrame(List.of(), FLEET_RESULTS) : withChoices(trained, lastReport.session()), deviceIds);
    }

    /**
     * A fleet session's rows with what was decided when it finished (each device's chosen model and the stack's test
     * metrics), read back from the store, in place of the executors' placeholders.
     */
    private Dataset<Row> withChoices(Dataset<Row> trained, SessionRecord session) {
        List<Row> decided = new ArrayList<>();
        tracking.forEachDevice(session.id(), io.fleetml.store.DeviceQuery.ALL, o -> {
            if (o.fleet() != null && o.fleet().chosen() != null) {
                decided.add(RowFactory.create(o.deviceId(), o.fleet().chosen().label(), boxed(o.fleet().stack().mse()), boxed(o.fleet().stack().r2())));
            }
        });
        StructType schema = new StructType().add("d_id", DataTypes.StringType, false).add("d_chosen", DataTypes.StringType, false)
                .add("d_stack_mse", DataTypes.DoubleType, true).add("d_stack_r2", DataTypes.DoubleType, true);
        Dataset<Row> choices = trained.sparkSession().createDataFrame(decided, schema);
        Dataset<Row> joined = trained.join(choices, trained.col("device_id").equalTo(choices.col("d_id")), "left")
                .withColumn("chosen", col("d_chosen")).withColumn("stack_mse", col("d_stack_mse")).withColumn("stack_r2", col("d_stack_r2"));
        return joined.select(Arrays.stream(FLEET_RESULTS.fieldNames()).map(org.apache.spark.sql.functions::col).toArray(org.apache.spark.sql.Column[]::new));
    }

    /**
     * The fleet model's sample: on the executors each device's training rows, up to {@code quota}, chosen as the local
     * engine chooses them; collected to the driver.
     */
    private static DeviceFrame collectSample(Dataset<Row> grouped, JobContext job, long quota) {
        TrainSpec spec = job.session().spec();
        boolean dropMissing = !spec.fleet().resolveAlgorithm().handlesMissingFeatures();
        long seed = spec.seed();
        MapPartitionsFunction<Row, Row> sample = rows -> {
            DeviceRows.Frames frames = new DeviceRows.Frames(rows, job.prepare(), true);
            io.fleetml.train.DeviceTraining training = new io.fleetml.train.DeviceTraining(spec, 1);
            List<Row> out = new ArrayList<>();
            while (frames.hasNext()) {
                DeviceFrame device = frames.next();
                DeviceFrame part = FleetSample.take(device, training.trainingRows(device), quota, dropMissing, seed);
                for (int i = 0; i < part.rows(); i++) {
                    Object[] values = new Object[2 + part.featureCount()];
                    values[0] = part.deviceId();
                    values[1] = part.label()[i];
                    for (int c = 0; c < part.featureCount(); c++) {
                        values[2 + c] = part.columns()[c][i];
                    }
                    out.add(RowFactory.create(values));
                }
            }
            return out.iterator();
        };
        List<Row> rows = grouped.mapPartitions(sample, Encoders.row(sampleSchema(spec.features()))).collectAsList();
        FleetSample collected = new FleetSample(spec.features(), spec.fleet().sampleRows(), seed);
        int p = spec.features().size();
        for (int from = 0; from < rows.size(); ) { // a device's rows come together
            String device = rows.get(from).getString(0);
            int to = from;
            while (to < rows.size() && rows.get(to).getString(0).equals(device)) {
                to++;
            }
            double[][] columns = new double[p][to - from];
            double[] label = new double[to - from];
            for (int i = from; i < to; i++) {
                Row r = rows.get(i);
                label[i - from] = r.getDouble(1);
                for (int c = 0; c < p; c++) {
                    columns[c][i - from] = r.isNullAt(2 + c) ? Double.NaN : r.getDouble(2 + c);
                }
            }
            collected.add(new DeviceFrame(device, spec.features(), columns, label, new long[to - from]));
            from = to;
        }
        return collected.frame();
    }

    /**
     * Trains every partition in one job, and records each partition's device runs (in batches) as soon as its task
     * has finished, so that a job that fails late keeps the devices it trained: resuming the session trains only
     * the others. Filling {@code trained}'s cache is what trains; the returned dataset then reads the cache.
     */
    private void recordAsPartitionsFinish(Dataset<Row> trained, TrainingCoordinator session, String description) throws Exception {
        SparkContext sc = trained.sparkSession().sparkContext();
        sc.setJobDescription(description);
        try {
            JavaRDD<Row> rdd = trained.javaRDD(); // plans it (with adaptive execution, also runs the shuffle)
            LinkedBlockingQueue<List<Row>> finished = new LinkedBlockingQueue<>();
            List<Object> partitions = IntStream.range(0, rdd.getNumPartitions()).boxed().map(i -> (Object) i).toList();
            SimpleFutureAction<BoxedUnit> job = sc.submitJob(rdd.rdd(), new CollectRows(),
                    scala.jdk.javaapi.CollectionConverters.asScala(partitions).toList(),
                    (partition, rows) -> {
                        finished.add(rows); // on Spark's scheduler thread: hand over, record on this one
                        return BoxedUnit.UNIT;
                    }, () -> BoxedUnit.UNIT);
            try {
                List<TrainOutcome> batch = new ArrayList<>(COMMIT_BATCH);
                while (!job.isCompleted() || !finished.isEmpty()) {
                    List<Row> done = finished.poll(100, TimeUnit.MILLISECONDS);
                    if (done == null) {
                        continue;
                    }
                    for (Row r : done) {
                        batch.add(outcome(r));
                        if (batch.size() == COMMIT_BATCH) {
                            session.record(batch);
                            batch = new ArrayList<>(COMMIT_BATCH);
                        }
                    }
                    if (!batch.isEmpty()) {
                        session.record(batch);
                        batch = new ArrayList<>(COMMIT_BATCH);
                    }
                }
            } catch (Exception | Error e) {
                job.cancel();
                throw e;
            }
            scala.util.Try<BoxedUnit> result = job.value().get();
            if (result.isFailure()) {
                throw sneaky(result.failed().get());
            }
        } finally {
            sc.setJobDescription(null);
        }
    }

    /** A partition's result rows, shipped to the driver whole (a few hundred bytes per device). */
    private static final class CollectRows extends AbstractFunction1<scala.collection.Iterator<Row>, List<Row>> implements java.io.Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public List<Row> apply(scala.collection.Iterator<Row> rows) {
            ArrayList<Row> all = new ArrayList<>();
            while (rows.hasNext()) {
                all.add(rows.next());
            }
            return all;
        }
    }

    /**
     * Predicts every record of {@code df} with its device's model from {@code session}: one row per record
     * ({@link #PREDICTIONS}); records of devices without a model, or whose model cannot be read, get a null prediction.
     */
    public Dataset<Row> score(Dataset<Row> df, SessionRecord session) {
        return scoring(df, session, null, ModelUse.CHOSEN).predictions();
    }

    /**
     * Scores {@code df} with {@code session}'s models, as {@link #score}, and counts what it scored (see
     * {@link SparkScoring}). Records are known by {@code idColumn} when given, else as {@link TrainSpec#scoreQuery} says.
     *
     * @throws FleetInputException when the session is not finished or the data lacks a column
     */
    public SparkScoring scoring(Dataset<Row> df, SessionRecord session, String idColumn, ModelUse use) {
        return scoring(df, session, null, idColumn, use);
    }

    /**
     * Scores {@code df} with a registered version's models, as {@link #scoring(Dataset, SessionRecord, String, ModelUse)} with its
     * session; predictions name the version ({@code device/pumps/3}).
     */
    public SparkScoring scoring(Dataset<Row> df, ModelVersion version, String idColumn, ModelUse use) {
        SessionRecord session = tracking.session(version.sessionId()).orElseThrow(() -> io.fleetml.store.StoreException.notFound(
                "version " + version.ref() + " names session " + version.sessionId() + ", which is not in the store"));
        return scoring(df, session, version, idColumn, use);
    }

    private SparkScoring scoring(Dataset<Row> df, SessionRecord session, ModelVersion version, String idColumn, ModelUse use) {
        SessionModels.requireScorable(session, use);
        FrameQuery query = session.spec().scoreQuery(Arrays.asList(df.columns()), idColumn);
        DeviceRows.check(df, query);
        SparkSession spark = df.sparkSession();
        SessionModels models = SessionModels.of(session, tracking, use);
        ModelResolver resolver = version == null ? models : VersionModels.of(models, version, session);
        Broadcast<ModelResolver> shared = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(resolver);
        ScoreTallies tallies = new ScoreTallies();
        spark.sparkContext().register(tallies, "fleetml score " + session.id());
        Dataset<Row> rows = DeviceRows.select(df, query, DeviceFilter.ALL);
        JobContext job = JobContext.of(session, artifactsRoot, files(spark), null);
        Dataset<Row> predictions = DeviceRows.byDevice(rows, Math.max(session.nDevices(), models.size()), 0)
                .mapPartitions(scorePartition(job, shared, tallies), Encoders.row(PREDICTIONS));
        return new SparkScoring(typed(predictions, DeviceRows.deviceIds(df, query.deviceColumn())), tallies, session.id());
    }

    private ArtifactFiles files(SparkSession spark) {
        return files != null ? files : HadoopFiles.of(spark);
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

    static TrainOutcome outcome(Row r) {
        FleetOutcome fleet = null;
        if (r.size() > RESULTS.size()) { // a fleet session's row: FLEET_OUTCOMES
            int at = RESULTS.size();
            fleet = new FleetOutcome(null, metrics(r, at + 1), metrics(r, at + 3), Metrics.NONE, r.getString(at + 7),
                    FleetStats.fromBytes((byte[]) r.get(at + 8)));
        }
        return new TrainOutcome(r.getString(0), TrainOutcome.Status.valueOf(r.getString(8)), r.getInt(11), r.getInt(1), r.getInt(2),
                r.getInt(12), new Metrics(real(r, 4), real(r, 5), real(r, 6), real(r, 7)), real(r, 13), r.getString(3), r.getString(9),
                r.getDouble(10), null, fleet);
    }

    /** MSE and R² at {@code i} and {@code i + 1}. */
    private static Metrics metrics(Row r, int i) {
        double mse = real(r, i);
        return Double.isNaN(mse) ? Metrics.NONE : new Metrics(mse, Math.sqrt(mse), Double.NaN, real(r, i + 1));
    }

    private static double real(Row r, int i) {
        return r.isNullAt(i) ? Double.NaN : r.getDouble(i);
    }

    private static Double boxed(double v) {
        return Double.isNaN(v) ? null : v;
    }

    static Row row(TrainOutcome o) {
        Metrics m = o.holdout();
        FleetOutcome f = o.fleet();
        if (f == null) {
            return RowFactory.create(o.deviceId(), o.nUsed(), o.nTest(), o.modelUri(), boxed(m.mse()), boxed(m.rmse()), boxed(m.mae()),
                    boxed(m.r2()), o.status().name(), o.error(), o.trainMs(), o.nRows(), o.nDropped(), boxed(o.trainMse()));
        }
        return RowFactory.create(o.deviceId(), o.nUsed(), o.nTest(), o.modelUri(), boxed(m.mse()), boxed(m.rmse()), boxed(m.mae()),
                boxed(m.r2()), o.status().name(), o.error(), o.trainMs(), o.nRows(), o.nDropped(), boxed(o.trainMse()), null,
                boxed(f.fleet().mse()), boxed(f.fleet().r2()), boxed(f.hierarchical().mse()), boxed(f.hierarchical().r2()), null, null,
                f.residualUri(), FleetStats.toBytes(f.stats()));
    }

    /** Rethrows any throwable unchanged: Spark's checked exceptions reach the caller as Spark throws them. */
    @SuppressWarnings("unchecked")
    static <T extends Throwable> RuntimeException sneaky(Throwable t) throws T {
        throw (T) t;
    }

    /**
     * What every task needs: the session, where its models go and how to reach them, how to name packs, and a
     * user's own algorithm (built-ins are found by name).
     */
    private record JobContext(SessionRecord session, String artifactsRoot, ArtifactFiles files, String packPrefix, Algorithm custom)
            implements java.io.Serializable {
        static JobContext of(SessionRecord session, String artifactsRoot, ArtifactFiles files, String packPrefix) {
            Algorithm algorithm = session.spec().resolveAlgorithm();
            return new JobContext(session, artifactsRoot, files, packPrefix, algorithm instanceof Algorithm.CustomAlgorithm ? algorithm : null);
        }

        /** On an executor: make the user's algorithm known there, then hand out the session's features. */
        List<String> prepare() {
            if (custom != null) {
                Algorithms.register(custom);
            }
            return session.spec().features();
        }

        /** The session's fleet model, loaded on this executor and closed when the task ends; null when it has none. */
        io.fleetml.model.DeviceModel fleetModel(PackArtifactStore artifacts) throws java.io.IOException {
            if (session.fleet() == null || session.fleet().modelUri() == null) {
                return null;
            }
            io.fleetml.model.DeviceModel model = Algorithms.named(session.fleet().algorithm()).load(artifacts.read(session.fleet().modelUri()));
            TaskContext task = TaskContext.get();
            if (task != null) {
                task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ctx -> model.close());
            }
            return model;
        }

        /** The task's artifact store, closed when the task ends. */
        PackArtifactStore artifacts() {
            PackArtifactStore store = new PackArtifactStore(artifactsRoot, files);
            TaskContext task = TaskContext.get();
            if (task != null) {
                task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ctx -> store.close());
            }
            return store;
        }
    }

    /**
     * Executor side of training: a partition's devices, in chunks, through the local engine's worker code; each
     * chunk's models go to one pack named after the partition and the chunk, so a task run again writes the same
     * packs at the same paths. One output row per device.
     */
    private static MapPartitionsFunction<Row, Row> trainPartition(JobContext job) {
        return rows -> {
            TaskContext task = TaskContext.get();
            DeviceRows.Frames frames = new DeviceRows.Frames(rows, job.prepare(), true);
            PackArtifactStore artifacts = job.artifacts();
            io.fleetml.model.DeviceModel fleetModel = job.fleetModel(artifacts);
            TrainingWorker worker = new TrainingWorker(job.session(), artifacts, Math.max(1, task.cpus()), fleetModel);
            int partition = task.partitionId();
            return new Iterator<Row>() {
                private Iterator<TrainOutcome> chunkOut = Collections.emptyIterator();
                private int chunk;

                @Override
                public boolean hasNext() {
                    while (!chunkOut.hasNext() && frames.hasNext()) {
                        List<DeviceFrame> devices = new ArrayList<>();
                        long n = 0;
                        while (frames.hasNext() && !TrainingWorker.packFull(devices.size(), n)) {
                            DeviceFrame f = frames.next();
                            devices.add(f);
                            n += f.rows();
                        }
                        String pack = job.packPrefix() + String.format("%05d-%05d", partition, chunk++);
                        chunkOut = worker.train(pack, devices).iterator();
                    }
                    return chunkOut.hasNext();
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    return row(chunkOut.next());
                }
            };
        };
    }

    /**
     * Executor side of scoring: each device's model is loaded once (each pack read once, as devices come in the
     * order they were trained), then predicts the device's rows, streamed out. When the partition is done, its
     * counts go to {@code tallies}.
     */
    private static MapPartitionsFunction<Row, Row> scorePartition(JobContext job, Broadcast<ModelResolver> models, ScoreTallies tallies) {
        return rows -> {
            DeviceRows.Frames frames = new DeviceRows.Frames(rows, job.prepare(), false);
            DeviceScoring scoring = new DeviceScoring(models.value(), job.artifacts());
            TaskContext task = TaskContext.get();
            if (task != null) {
                task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ctx -> scoring.close());
            }
            ScoreReport.Tally tally = new ScoreReport.Tally();
            return new Iterator<Row>() {
                private DeviceScoring.Scored current;
                private double[] predictions;
                private String firstDevice;
                private boolean counted;
                private int at;

                @Override
                public boolean hasNext() {
                    while ((current == null || at == current.frame().rows()) && frames.hasNext()) {
                        current = scoring.score(frames.next());
                        predictions = tally.add(current);
                        if (firstDevice == null) {
                            firstDevice = current.frame().deviceId();
                        }
                        at = 0;
                    }
                    boolean more = current != null && at < current.frame().rows();
                    if (!more && !counted && firstDevice != null) {
                        counted = true;
                        tallies.add(ScoreTallies.Part.of(TaskContext.get().getLocalProperty("spark.sql.execution.id"), firstDevice,
                                tally.report(0)));
                    }
                    return more;
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    Row r = RowFactory.create(current.frame().recordIds()[at], current.frame().deviceId(), boxed(predictions[at]), current.model());
                    at++;
                    return r;
                }
            };
        };
    }
}
