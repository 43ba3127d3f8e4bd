package io.fleetml.store;

import io.fleetml.train.TrainOutcome;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which device runs of a session to list, in what order, and which page of them. Stores filter, sort and
 * page in their query language, never in memory: a session may have millions of devices.
 *
 * @param statuses only runs with one of these statuses; all when empty
 * @param search   only devices whose id contains this text (case-sensitive); all when null or empty
 * @param sort     the order
 * @param limit    at most this many runs; 0 for all
 * @param offset   runs skipped before the first one returned
 * @param reversed the order the other way round: best first (devices without the metric still last), ids descending
 * @param bounds   only runs whose metrics meet every one of these; a run without the metric meets none
 */
public record DeviceQuery(Set<TrainOutcome.Status> statuses, String search, Sort sort, int limit, long offset, boolean reversed,
                          List<MetricBound> bounds) {

    /** Orders of a device listing; the metric orders put the worst first and devices without the metric last. */
    public enum Sort {
        /** By device id: numerically when the session's ids are integers (9 before 10), else as text. */
        DEVICE,
        /** Highest holdout MSE first. */
        MSE,
        /** Lowest holdout R² first. */
        R2,
        /** Fewest training rows first. */
        N_USED,
        /** Slowest to train first. */
        TRAIN_MS
    }

    /** A device run's numbers a listing can be filtered on, each a column of the run (named as in MLflow's view of it). */
    public enum Metric {
        MSE, RMSE, MAE, R2, TRAIN_MSE, N_ROWS, N_USED, N_TEST, N_DROPPED, TRAIN_MS, FLEET_MSE, FLEET_R2, HIER_MSE, HIER_R2, STACK_MSE, STACK_R2;

        /** Its name in listings and in MLflow: {@code mse}, {@code fleet_r2}, ... */
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The metric named {@code key}, or null. */
        public static Metric of(String key) {
            for (Metric m : values()) {
                if (m.key().equals(key)) {
                    return m;
                }
            }
            return null;
        }

        /** The run's value of it; NaN when the run has none. */
        public double of(TrainOutcome o) {
            return switch (this) {
                case MSE -> o.holdout().mse();
                case RMSE -> o.holdout().rmse();
                case MAE -> o.holdout().mae();
                case R2 -> o.holdout().r2();
                case TRAIN_MSE -> o.trainMse();
                case N_ROWS -> o.nRows();
                case N_USED -> o.nUsed();
                case N_TEST -> o.nTest();
                case N_DROPPED -> o.nDropped();
                case TRAIN_MS -> o.trainMs();
                case FLEET_MSE -> o.fleet() == null ? Double.NaN : o.fleet().fleet().mse();
                case FLEET_R2 -> o.fleet() == null ? Double.NaN : o.fleet().fleet().r2();
                case HIER_MSE -> o.fleet() == null ? Double.NaN : o.fleet().hierarchical().mse();
                case HIER_R2 -> o.fleet() == null ? Double.NaN : o.fleet().hierarchical().r2();
                case STACK_MSE -> o.fleet() == null ? Double.NaN : o.fleet().stack().mse();
                case STACK_R2 -> o.fleet() == null ? Double.NaN : o.fleet().stack().r2();
            };
        }
    }

    /** How a bound compares a run's metric with its value. */
    public enum Comparison {
        LT("<"), LE("<="), GT(">"), GE(">="), EQ("="), NE("<>");

        private final String sql;

        Comparison(String sql) {
            this.sql = sql;
        }

        /** The SQL operator. */
        public String sql() {
            return sql;
        }

        /** Whether {@code left} compares so with {@code right}; never for NaN (a run without the metric). */
        public boolean test(double left, double right) {
            if (Double.isNaN(left)) {
                return false;
            }
            return switch (this) {
                case LT -> left < right;
                case LE -> left <= right;
                case GT -> left > right;
                case GE -> left >= right;
                case EQ -> left == right;
                case NE -> left != right;
            };
        }
    }

    /** {@code metric comparison value}, e.g. {@code r2 < 0.5}. */
    public record MetricBound(Metric metric, Comparison comparison, double value) {
        public MetricBound {
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("a bound on " + metric.key() + " needs a finite value, not " + value);
            }
        }

        /** Whether {@code run} meets it: the same answer the store's SQL gives. */
        public boolean test(TrainOutcome run) {
            return comparison.test(metric.of(run), value);
        }
    }

    public static final DeviceQuery ALL = new DeviceQuery(Set.of(), null, Sort.DEVICE, 0, 0, false);

    public DeviceQuery(Set<TrainOutcome.Status> statuses, String search, Sort sort, int limit, long offset) {
        this(statuses, search, sort, limit, offset, false);
    }

    public DeviceQuery(Set<TrainOutcome.Status> statuses, String search, Sort sort, int limit, long offset, boolean reversed) {
        this(statuses, search, sort, limit, offset, reversed, List.of());
    }

    public DeviceQuery {
        statuses = statuses.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(statuses));
        bounds = List.copyOf(bounds);
        if (limit < 0 || offset < 0) {
            throw new IllegalArgumentException("limit and offset must not be negative");
        }
    }

    /** The same query, keeping only runs that also meet {@code bound}. */
    public DeviceQuery bounded(MetricBound bound) {
        List<MetricBound> more = new java.util.ArrayList<>(bounds);
        more.add(bound);
        return new DeviceQuery(statuses, search, sort, limit, offset, reversed, more);
    }

    /** Whether the store can count it from the session's totals: it filters on statuses at most. */
    public boolean byStatusOnly() {
        return (search == null || search.isEmpty()) && bounds.isEmpty();
    }

    public DeviceQuery withStatuses(Set<TrainOutcome.Status> only) {
        return new DeviceQuery(only, search, sort, limit, offset, reversed, bounds);
    }

    public DeviceQuery sorted(Sort by) {
        return new DeviceQuery(statuses, search, by, limit, offset, reversed, bounds);
    }

    public DeviceQuery page(int limit, long offset) {
        return new DeviceQuery(statuses, search, sort, limit, offset, reversed, bounds);
    }

    public DeviceQuery searching(String text) {
        return new DeviceQuery(statuses, text, sort, limit, offset, reversed, bounds);
    }

    /** The same query in the other order when {@code reverse}. */
    public DeviceQuery reversed(boolean reverse) {
        return new DeviceQuery(statuses, search, sort, limit, offset, reverse, bounds);
    }
}
