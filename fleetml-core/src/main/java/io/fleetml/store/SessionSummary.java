package io.fleetml.store;

import io.fleetml.train.TrainOutcome;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A session's outcome at a glance: counts per status and the distribution of holdout metrics over
 * the devices that trained.
 *
 * @param ok        devices with a model
 * @param failed    devices that failed
 * @param skipped   devices with nothing to learn from
 * @param inherited devices whose run was carried over from the session retrained (counted in the three above too)
 * @param rowsUsed  training rows over all devices
 * @param mseP50    median holdout MSE
 * @param mseP90    90th percentile holdout MSE
 * @param mseMax    largest holdout MSE
 * @param r2P10     10th percentile holdout R²
 * @param r2P50     median holdout R²
 * @param worst     the devices with the lowest holdout R² (at most five), worst first
 * @param seconds   wall time of the session
 */
public record SessionSummary(long ok, long failed, long skipped, long inherited, long rowsUsed, double mseP50, double mseP90,
                             double mseMax, double r2P10, double r2P50, List<WorstDevice> worst, double seconds)
        implements java.io.Serializable {

    /** Devices with a run. */
    public long devices() {
        return ok + failed + skipped;
    }

    /** A device whose model is poor. */
    public record WorstDevice(String deviceId, double mse, double r2) implements java.io.Serializable {
    }

    /** Collects outcomes as they arrive; keeps two doubles per device, not the outcomes. */
    public static final class Collector {
        private long ok;
        private long failed;
        private long skipped;
        private long inherited;
        private long rowsUsed;
        private double[] mse = new double[1024];
        private double[] r2 = new double[1024];
        private int n;
        private final PriorityQueue<WorstDevice> worst =
                new PriorityQueue<>(Comparator.comparingDouble(WorstDevice::r2).reversed());

        public long devices() {
            return ok + failed + skipped;
        }

        public void add(TrainOutcome o) {
            switch (o.status()) {
                case OK -> ok++;
                case FAILED -> failed++;
                case SKIPPED -> skipped++;
            }
            if (o.trainedIn() != null) {
                inherited++;
            }
            rowsUsed += o.nUsed();
            if (o.status() != TrainOutcome.Status.OK || Double.isNaN(o.holdout().mse())) {
                return;
            }
            if (n == mse.length) {
                mse = Arrays.copyOf(mse, n * 2);
                r2 = Arrays.copyOf(r2, n * 2);
            }
            mse[n] = o.holdout().mse();
            r2[n] = Double.isNaN(o.holdout().r2()) ? Double.NEGATIVE_INFINITY : o.holdout().r2();
            n++;
            worst.add(new WorstDevice(o.deviceId(), o.holdout().mse(), o.holdout().r2()));
            if (worst.size() > 5) {
                worst.poll();
            }
        }

        public SessionSummary summary(double seconds) {
            double[] m = Arrays.copyOf(mse, n);
            double[] r = Arrays.copyOf(r2, n);
            Arrays.sort(m);
            Arrays.sort(r);
            List<WorstDevice> w = new ArrayList<>(worst);
            w.sort(Comparator.comparingDouble(WorstDevice::r2));
            return new SessionSummary(ok, failed, skipped, inherited, rowsUsed, quantile(m, 0.5), quantile(m, 0.9),
                    n == 0 ? Double.NaN : m[n - 1], quantile(r, 0.1), quantile(r, 0.5), w, seconds);
        }

        private static double quantile(double[] sorted, double q) {
            if (sorted.length == 0) {
                return Double.NaN;
            }
            double v = sorted[(int) Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1) + 0.5))];
            return Double.isInfinite(v) ? Double.NaN : v;
        }
    }
}
