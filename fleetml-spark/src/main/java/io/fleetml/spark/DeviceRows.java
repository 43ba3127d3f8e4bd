package io.fleetml.spark;

import io.fleetml.data.ColumnNames;
import io.fleetml.data.DeviceFilter;
import io.fleetml.data.DeviceFrame;
import io.fleetml.data.DeviceIdType;
import io.fleetml.data.FleetInputException;
import io.fleetml.data.FrameQuery;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.monotonically_increasing_id;

/**
 * A fleet's rows on Spark as the per-device code wants them: the query's columns selected and typed, rows without a
 * device dropped, the devices a plan selects kept, each device's rows together in one partition and in order, and
 * cut into {@link DeviceFrame}s on the executors. The same grouping as the local engine's: device ids in the
 * device column's own order (integers by number, text by its bytes), each device's rows by the time columns
 * (missing last) and then record id.
 *
 * <p>Columns of the selected rows: {@code device} (long for an integer device column, else text), {@code f0..}
 * (double), {@code label} (double, when training), {@code t0..} (time columns as they are), {@code record_id} (long).
 */
final class DeviceRows {
    /** At most this many ids go into the query as a literal list; more are joined as a broadcast table. */
    private static final int LITERAL_IDS = 1000;

    private DeviceRows() {
    }

    /** Integer ids stay integers in outputs (a join back to the source needs no cast); others are text. */
    static DeviceIdType deviceIds(Dataset<Row> df, String deviceColumn) {
        DataType type = df.schema().apply(deviceColumn).dataType();
        return type == DataTypes.LongType || type == DataTypes.IntegerType || type == DataTypes.ShortType || type == DataTypes.ByteType
                ? DeviceIdType.INTEGER : DeviceIdType.TEXT;
    }

    /**
     * The rows of {@code q}'s devices that {@code devices} selects, typed (see the class comment). A row whose device
     * is missing (null, or empty text) belongs to no device and is dropped.
     */
    static Dataset<Row> select(Dataset<Row> df, FrameQuery q, DeviceFilter devices) {
        boolean integer = deviceIds(df, q.deviceColumn()) == DeviceIdType.INTEGER;
        List<Column> cols = new ArrayList<>();
        Column device = col(quote(q.deviceColumn()));
        cols.add(device.cast(integer ? DataTypes.LongType : DataTypes.StringType).as("device"));
        for (int i = 0; i < q.features().size(); i++) {
            cols.add(col(quote(q.features().get(i))).cast(DataTypes.DoubleType).as("f" + i));
        }
        if (q.label() != null) {
            cols.add(col(quote(q.label())).cast(DataTypes.DoubleType).as("label"));
        }
        for (int i = 0; i < q.orderBy().size(); i++) {
            cols.add(col(quote(q.orderBy().get(i))).as("t" + i));
        }
        // Without an id column a record is known by a per-row id that follows source order (not consecutive).
        cols.add((q.idColumn() != null ? col(quote(q.idColumn())).cast(DataTypes.LongType) : monotonically_increasing_id()).as("record_id"));
        Dataset<Row> rows = df.select(cols.toArray(Column[]::new)).where(integer ? col("device").isNotNull()
                : col("device").isNotNull().and(col("device").notEqual("")));
        return only(rows, devices);
    }

    /** The rows of the devices {@code filter} selects, by id as text (how fleetml keeps ids: an integer column cast to text). */
    private static Dataset<Row> only(Dataset<Row> rows, DeviceFilter filter) {
        if (filter.mode() == DeviceFilter.Mode.ALL) {
            return rows;
        }
        Column id = col("device").cast(DataTypes.StringType);
        if (filter.ids().isEmpty()) {
            return filter.mode() == DeviceFilter.Mode.ONLY ? rows.limit(0) : rows;
        }
        if (filter.ids().size() <= LITERAL_IDS) {
            Column in = id.isin(filter.ids().toArray());
            return rows.where(filter.mode() == DeviceFilter.Mode.ONLY ? in : org.apache.spark.sql.functions.not(in));
        }
        Dataset<Row> ids = rows.sparkSession().createDataset(new ArrayList<>(filter.ids()), Encoders.STRING()).toDF("fleetml_selected");
        return rows.join(broadcast(ids), id.equalTo(ids.col("fleetml_selected")),
                filter.mode() == DeviceFilter.Mode.ONLY ? "left_semi" : "left_anti");
    }

    /**
     * Each device's rows together in one partition, in order. Ranges of devices rather than hash buckets: a few
     * large devices each get a partition of their own, many small ones share; an explicit partition count also
     * keeps adaptive execution from merging partitions, which would train CPU-heavy devices one after another.
     */
    static Dataset<Row> byDevice(Dataset<Row> rows, long devices, int timeColumns) {
        int partitions = (int) Math.max(1, Math.min(devices, 4L * rows.sparkSession().sparkContext().defaultParallelism()));
        List<Column> sort = new ArrayList<>();
        sort.add(col("device"));
        for (int i = 0; i < timeColumns; i++) {
            sort.add(col("t" + i).asc_nulls_last()); // as DuckDB orders them for the local engine
        }
        sort.add(col("record_id"));
        return rows.repartitionByRange(partitions, col("device")).sortWithinPartitions(sort.toArray(Column[]::new));
    }

    static String quote(String column) {
        return "`" + column.replace("`", "``") + "`";
    }

    /**
     * Fails, before any job, on a column {@code q} names that {@code df} lacks (naming the closest one) or one that
     * must be numeric and is not.
     */
    static void check(Dataset<Row> df, FrameQuery q) {
        StructType schema = df.schema();
        List<String> names = Arrays.asList(schema.fieldNames());
        require(names, "device column", q.deviceColumn());
        if (q.features().isEmpty()) {
            throw new FleetInputException("no feature columns given; name them with --features A,B,C");
        }
        for (String f : q.features()) {
            requireNumeric(schema, names, "feature column", f);
        }
        if (q.label() != null) {
            requireNumeric(schema, names, "label column", q.label());
        }
        if (q.idColumn() != null) {
            requireNumeric(schema, names, "id column", q.idColumn());
        }
        for (String t : q.orderBy()) {
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

    /**
     * Cuts a partition's rows (as {@link #select} makes them, sorted by device) into device frames. Holds one
     * device's rows at a time.
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
            if (next == null) {
                throw new NoSuchElementException();
            }
            Object device = next.get(0); // a Long or a String
            List<Row> group = new ArrayList<>();
            while (next != null && device.equals(next.get(0))) {
                group.add(next);
                next = rows.hasNext() ? rows.next() : null;
            }
            int p = features.size();
            int n = group.size();
            int idAt = group.get(0).length() - 1;
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
                ids[i] = r.isNullAt(idAt) ? 0 : r.getLong(idAt); // a missing id reads as 0, as on the local engine
            }
            return new DeviceFrame(device.toString(), features, cols, label, ids);
        }
    }
}
