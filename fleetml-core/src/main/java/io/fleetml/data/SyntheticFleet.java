package io.fleetml.data;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Synthetic fleets, in two profiles. The same seed gives the same file.
 *
 * <p>The <b>reference</b> profile ({@link #write}): {@code record_id, device_id, feature_1, feature_2, feature_3, label}
 * with {@code device_id = record_id % devices}, {@code feature_k ~ U(0, k)} and
 * {@code label = feature_1 + feature_2 + feature_3 + U(0, 1)}.
 *
 * <p>The <b>heterogeneous</b> profile ({@link #writeHeterogeneous}): devices of very different sizes that share
 * one non-linear law and each add their own linear part, a tenth of them departing strongly from the fleet,
 * with later rows and unseen devices to test forecasts on. Its Javadoc states the law exactly.
 */
public final class SyntheticFleet {
    public static final List<String> FEATURES = List.of("feature_1", "feature_2", "feature_3");

    /** Fewest and most training rows of a device of the heterogeneous profile. */
    public static final int MIN_DEVICE_ROWS = 3;
    public static final int MAX_DEVICE_ROWS = 5_000;

    private SyntheticFleet() {
    }

    /** Writes {@code devices × rowsPerDevice} rows to {@code out} (.csv, .csv.gz or .parquet). */
    public static long write(Path out, int devices, int rowsPerDevice, long seed) {
        if (devices < 1 || rowsPerDevice < 1) {
            throw new FleetInputException("devices and rows per device must be at least 1");
        }
        SplittableRandom random = new SplittableRandom(seed);
        long rows = (long) devices * rowsPerDevice;
        try (TableFile table = TableFile.create(out, List.of(TableFile.Column.integer("record_id"), TableFile.Column.integer("device_id"),
                TableFile.Column.real("feature_1"), TableFile.Column.real("feature_2"), TableFile.Column.real("feature_3"),
                TableFile.Column.real("label")))) {
            for (long id = 0; id < rows; id++) {
                double f1 = random.nextDouble();
                double f2 = 2 * random.nextDouble();
                double f3 = 3 * random.nextDouble();
                table.row(id, id % devices, f1, f2, f3, f1 + f2 + f3 + random.nextDouble());
            }
            table.commit();
        }
        return rows;
    }

    /**
     * What {@link #writeHeterogeneous} wrote.
     *
     * @param rows          training rows, in {@code out}
     * @param devices       devices in {@code out}
     * @param minRows       fewest training rows of a device
     * @param maxRows       most training rows of a device
     * @param laterRows     rows in the later file (0 without one)
     * @param unseenDevices devices only in the later file (0 without one)
     */
    public record Heterogeneous(long rows, int devices, int minRows, int maxRows, long laterRows, int unseenDevices) {
    }

    /** How many devices the later file adds to {@code devices} trained ones: a tenth, at least one. */
    public static int unseenDevices(int devices) {
        return Math.max(1, (int) Math.round(devices / 10.0));
    }

    /**
     * Writes the heterogeneous synthetic fleet: {@code devices} devices' training rows to {@code out} and, when
     * {@code later} is not null, their later rows and those of unseen devices to {@code later} (each .csv,
     * .csv.gz or .parquet). The same seed writes the same files, and {@code out} is the same with or without
     * {@code later}.
     *
     * <p><b>Columns</b> (both files): {@code record_id} (BIGINT, unique across both files: {@code 0 … R−1} in
     * {@code out}, {@code R …} in {@code later}), {@code device_id} (BIGINT, {@code 0 … devices−1}), {@code hour}
     * (BIGINT, the device's time index {@code 0, 1, 2, …}), {@code feature_1}, {@code feature_2},
     * {@code feature_3} and {@code label} (DOUBLE). Rows are grouped by device, in hour order.
     *
     * <p><b>Sizes.</b> Device {@code i} has {@code n_i = min(5000, 3 + round(exp(2.6 + 1.85·Z)))} training rows,
     * {@code Z ~ N(0, 1)}: a log-normal tail, about 65% of devices with at most 30 rows, 4% with exactly 3,
     * 1% with 1,000 or more and about 0.07% at the cap of 5,000 (mean about 75 rows). Its {@code m_i = max(2, ⌊n_i / 5⌋)}
     * later rows carry on its hours: {@code hour = 0 … n_i−1} in {@code out}, {@code n_i … n_i+m_i−1} in
     * {@code later}. The later file also holds {@code U = max(1, round(devices / 10))} unseen devices,
     * {@code device_id = devices … devices+U−1}, with {@code 5 … 50} rows each (uniform) and
     * {@code hour = 0, 1, …}; they follow the same law, departers included.
     *
     * <p><b>The law.</b> Every row of device {@code i}:
     * <pre>
     *   x_k   ~ U(0, 2) independently, k = 1, 2, 3    (feature_k)
     *   g(x)  = 3·sin(2·x_1) + 2·x_2² − x_1·x_3        (shared by the whole fleet)
     *   label = s_i·g(x) + a_i1·x_1 + a_i2·x_2 + a_i3·x_3 + b_i + ε,   ε ~ N(0, 0.3²)
     * </pre>
     * with the device's own {@code s_i, a_i, b_i} drawn once per device:
     * <ul>
     *   <li>a typical device (probability 0.9): {@code s_i = 1}, {@code a_ik ~ N(0, 0.5²)}, {@code b_i ~ N(0, 1)};
     *   <li>a departer (probability 0.1): {@code s_i = −1} or {@code 3} (equally likely), {@code a_ik ~ N(0, 2²)},
     *       {@code b_i ~ N(0, 3²)}.
     * </ul>
     * Over the fleet {@code E[s_i] = 1}, so a fleet-wide model of the features learns {@code g}, plus the mean
     * linear part; a device's model can learn its own linear part and departure, but a small device has too few
     * rows to learn {@code g}. No column tells departers apart, and the law does not change with {@code hour}.
     *
     * <p><b>Randomness.</b> A {@link SplittableRandom} of {@code seed}: its first split draws all sizes (trained
     * devices, then unseen ones), each further split, in device order (trained, then unseen), one device's
     * {@code s, a, b} and then its rows in hour order ({@code x_1, x_2, x_3, ε} per row).
     */
    public static Heterogeneous writeHeterogeneous(Path out, Path later, int devices, long seed) {
        if (devices < 1) {
            throw new FleetInputException("devices must be at least 1");
        }
        TableFile.requireWritable(out);
        if (later != null) {
            TableFile.requireWritable(later);
            if (out.toAbsolutePath().normalize().equals(later.toAbsolutePath().normalize())) {
                throw new FleetInputException("the training rows and the later rows cannot both go to " + out + ": name two files");
            }
        }
        int unseen = unseenDevices(devices);
        SplittableRandom root = new SplittableRandom(seed);
        SplittableRandom sizing = root.split();
        int[] trainRows = new int[devices];
        int[] laterRows = new int[devices + unseen];
        long rows = 0;
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (int i = 0; i < devices; i++) {
            long n = MIN_DEVICE_ROWS + Math.round(Math.exp(2.6 + 1.85 * sizing.nextGaussian()));
            trainRows[i] = (int) Math.min(MAX_DEVICE_ROWS, n);
            laterRows[i] = Math.max(2, trainRows[i] / 5);
            rows += trainRows[i];
            min = Math.min(min, trainRows[i]);
            max = Math.max(max, trainRows[i]);
        }
        for (int i = devices; i < devices + unseen; i++) {
            laterRows[i] = 5 + sizing.nextInt(46);
        }
        List<TableFile.Column> columns = List.of(TableFile.Column.integers("record_id"), TableFile.Column.integer("device_id"),
                TableFile.Column.integers("hour"), TableFile.Column.reals("feature_1"), TableFile.Column.reals("feature_2"),
                TableFile.Column.reals("feature_3"), TableFile.Column.reals("label"));
        long written = 0;
        try (TableFile train = TableFile.create(out, columns); TableFile next = later == null ? null : TableFile.create(later, columns)) {
            long trainId = 0;
            long laterId = rows;
            for (int i = 0; i < devices + unseen; i++) {
                SplittableRandom random = root.split();
                if (i >= devices && next == null) {
                    break;
                }
                Device device = Device.draw(random);
                int n = i < devices ? trainRows[i] : 0;
                Rows first = new Rows(n, trainId, 0);
                Rows then = new Rows(laterRows[i], laterId, n);
                device.fill(first, random);
                if (next != null) {
                    device.fill(then, random); // after the training rows: out is the same without a later file
                }
                trainId += n;
                laterId += laterRows[i];
                if (n > 0) {
                    train.row(first.ids, (long) i, first.hours, first.f1, first.f2, first.f3, first.label);
                }
                if (next != null) {
                    next.row(then.ids, (long) i, then.hours, then.f1, then.f2, then.f3, then.label);
                    written += laterRows[i];
                }
            }
            train.commit();
            if (next != null) {
                next.commit();
            }
        }
        return new Heterogeneous(rows, devices, min, max, written, later == null ? 0 : unseen);
    }

    /** One device's own part of the heterogeneous law: {@code s·g(x) + a·x + b}. */
    private record Device(double s, double a1, double a2, double a3, double b) {
        static Device draw(SplittableRandom random) {
            if (random.nextDouble() < 0.1) {
                double s = random.nextBoolean() ? -1 : 3;
                return new Device(s, 2 * random.nextGaussian(), 2 * random.nextGaussian(), 2 * random.nextGaussian(), 3 * random.nextGaussian());
            }
            return new Device(1, 0.5 * random.nextGaussian(), 0.5 * random.nextGaussian(), 0.5 * random.nextGaussian(), random.nextGaussian());
        }

        /** Fills {@code rows} with this device's rows, in hour order. */
        void fill(Rows rows, SplittableRandom random) {
            for (int j = 0; j < rows.ids.length; j++) {
                double x1 = 2 * random.nextDouble();
                double x2 = 2 * random.nextDouble();
                double x3 = 2 * random.nextDouble();
                double g = 3 * Math.sin(2 * x1) + 2 * x2 * x2 - x1 * x3;
                rows.f1[j] = x1;
                rows.f2[j] = x2;
                rows.f3[j] = x3;
                rows.label[j] = s * g + a1 * x1 + a2 * x2 + a3 * x3 + b + 0.3 * random.nextGaussian();
            }
        }
    }

    /** A run of one device's rows: record ids from {@code firstId}, hours from {@code firstHour}. */
    private static final class Rows {
        final long[] ids;
        final long[] hours;
        final double[] f1;
        final double[] f2;
        final double[] f3;
        final double[] label;

        Rows(int n, long firstId, long firstHour) {
            ids = new long[n];
            hours = new long[n];
            f1 = new double[n];
            f2 = new double[n];
            f3 = new double[n];
            label = new double[n];
            for (int j = 0; j < n; j++) {
                ids[j] = firstId + j;
                hours[j] = firstHour + j;
            }
        }
    }
}
