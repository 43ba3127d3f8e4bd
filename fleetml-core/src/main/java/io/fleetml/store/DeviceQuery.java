package io.fleetml.store;

import io.fleetml.train.TrainOutcome;

import java.util.EnumSet;
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
 */
public record DeviceQuery(Set<TrainOutcome.Status> statuses, String search, Sort sort, int limit, long offset, boolean reversed) {

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

    public static final DeviceQuery ALL = new DeviceQuery(Set.of(), null, Sort.DEVICE, 0, 0, false);

    public DeviceQuery(Set<TrainOutcome.Status> statuses, String search, Sort sort, int limit, long offset) {
        this(statuses, search, sort, limit, offset, false);
    }

    public DeviceQuery {
        statuses = statuses.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(statuses));
        if (limit < 0 || offset < 0) {
            throw new IllegalArgumentException("limit and offset must not be negative");
        }
    }

    public DeviceQuery withStatuses(Set<TrainOutcome.Status> only) {
        return new DeviceQuery(only, search, sort, limit, offset, reversed);
    }

    public DeviceQuery sorted(Sort by) {
        return new DeviceQuery(statuses, search, by, limit, offset, reversed);
    }

    public DeviceQuery page(int limit, long offset) {
        return new DeviceQuery(statuses, search, sort, limit, offset, reversed);
    }

    public DeviceQuery searching(String text) {
        return new DeviceQuery(statuses, text, sort, limit, offset, reversed);
    }

    /** The same query in the other order when {@code reverse}. */
    public DeviceQuery reversed(boolean reverse) {
        return new DeviceQuery(statuses, search, sort, limit, offset, reverse);
    }
}
