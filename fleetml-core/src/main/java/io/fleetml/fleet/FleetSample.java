package io.fleetml.fleet;

import io.fleetml.data.DeviceFrame;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The rows a fleet model is fit on: from every device, at most a quota of its training rows (never a validation or
 * test row), so that the sample is bounded and a device with 5,000 rows does not drown a hundred devices with 20.
 * The quota is the cap shared out evenly, {@code ⌊cap / devices⌋} and at least one row; devices with fewer training
 * rows give all of theirs. With more devices than the cap, a seeded subset of the rows is kept, so the sample never
 * holds more than the cap. Which rows a device gives is seeded by the device, so the sample does not depend on the
 * engine, the thread or the order devices arrive in.
 */
public final class FleetSample {
    private final List<String> features;
    private final long cap;
    private final long seed;
    private final List<DeviceFrame> parts = new ArrayList<>();
    private long rows;

    /**
     * @param cap  most rows the sample holds
     * @param seed seeds which rows are kept when the devices' quotas add up to more than the cap
     */
    public FleetSample(List<String> features, long cap, long seed) {
        this.features = List.copyOf(features);
        this.cap = cap;
        this.seed = seed;
    }

    /** Rows per device for a cap of {@code sampleRows} over {@code devices} devices. */
    public static long quota(long sampleRows, long devices) {
        return Math.max(1, sampleRows / Math.max(1, devices));
    }

    /**
     * Up to {@code quota} of a device's training rows ({@code train}, indexes into {@code frame}), chosen by a seeded
     * shuffle; without the rows that miss a feature when the fleet algorithm needs complete rows. Only the rows taken
     * are copied.
     */
    public static DeviceFrame take(DeviceFrame frame, int[] train, long quota, boolean dropMissing, long seed) {
        frame = frame.infinityAsMissing();
        int[] keep = new int[train.length];
        int n = 0;
        for (int row : train) {
            if (!(dropMissing && frame.hasMissingFeature(row))) {
                keep[n++] = row;
            }
        }
        if (n > quota) {
            SplittableRandom random = new SplittableRandom(seed * 0xBF58476D1CE4E5B9L ^ frame.deviceId().hashCode());
            for (int i = 0; i < quota; i++) {
                int j = i + random.nextInt(n - i);
                int t = keep[i];
                keep[i] = keep[j];
                keep[j] = t;
            }
            n = (int) quota;
            Arrays.sort(keep, 0, n);
        }
        return frame.select(Arrays.copyOf(keep, n));
    }

    /** Adds a device's part; parts may arrive from any thread. */
    public synchronized void add(DeviceFrame part) {
        if (part.rows() > 0) {
            parts.add(part);
            rows += part.rows();
        }
    }

    public synchronized long rows() {
        return rows;
    }

    /**
     * The sample as one frame, its devices in id order: whichever engine or thread gathered them, the fleet model is
     * fit on the same rows in the same order.
     */
    public synchronized DeviceFrame frame() {
        parts.sort(java.util.Comparator.comparing(DeviceFrame::deviceId));
        int n = (int) Math.min(Integer.MAX_VALUE - 8, rows);
        double[][] columns = new double[features.size()][n];
        double[] label = new double[n];
        long[] ids = new long[n];
        int at = 0;
        for (DeviceFrame p : parts) {
            for (int c = 0; c < columns.length; c++) {
                System.arraycopy(p.columns()[c], 0, columns[c], at, p.rows());
            }
            System.arraycopy(p.label(), 0, label, at, p.rows());
            at += p.rows();
        }
        Arrays.setAll(ids, i -> i);
        parts.clear();
        DeviceFrame all = new DeviceFrame("fleet", features, columns, label, ids);
        if (n <= cap) {
            return all;
        }
        // a quota of one row from more devices than the cap: keep a seeded subset of the cap, in order
        int[] keep = new int[n];
        Arrays.setAll(keep, i -> i);
        SplittableRandom random = new SplittableRandom(seed ^ 0x94D049BB133111EBL);
        for (int i = 0; i < cap; i++) {
            int j = i + random.nextInt(n - i);
            int t = keep[i];
            keep[i] = keep[j];
            keep[j] = t;
        }
        int[] kept = Arrays.copyOf(keep, (int) cap);
        Arrays.sort(kept);
        return all.select(kept);
    }
}
