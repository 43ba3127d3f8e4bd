package io.fleetml.mlflow;

import io.fleetml.store.DeviceQuery;
import io.fleetml.store.TrackingStore;
import io.fleetml.train.TrainOutcome.Status;

import java.util.List;
import java.util.Set;

/**
 * Which devices of a session get a nested run in MLflow. MLflow's UI and search slow down on thousands of runs, so
 * by default a large fleet exports the devices someone will look at: the failed ones and the worst.
 *
 * <ul>
 *   <li>{@code default}: every device when the session has at most {@value #DEFAULT_ALL_UP_TO}; else the failed
 *       (and skipped) ones plus the {@value #DEFAULT_WORST} worst by holdout MSE;</li>
 *   <li>{@code all}, {@code failed} (failed and skipped: no model), {@code worst:N} (the N trained devices with the
 *       highest holdout MSE), {@code none}.</li>
 * </ul>
 *
 * The selection is made by the store's listings (filtered, sorted and paged in SQL), never by loading a session's
 * devices into memory.
 */
public record NestedPolicy(Kind kind, int worst) {
    public static final int DEFAULT_ALL_UP_TO = 1000;
    public static final int DEFAULT_WORST = 100;

    public enum Kind { DEFAULT, ALL, FAILED, WORST, NONE }

    public static final NestedPolicy DEFAULT = new NestedPolicy(Kind.DEFAULT, DEFAULT_WORST);

    private static final Set<Status> NO_MODEL = Set.of(Status.FAILED, Status.SKIPPED);

    /** {@code default}, {@code all}, {@code failed}, {@code worst:N} or {@code none}, in any case. */
    public static NestedPolicy parse(String text) {
        String t = text.strip().toLowerCase(java.util.Locale.ROOT);
        switch (t) {
            case "default": return DEFAULT;
            case "all": return new NestedPolicy(Kind.ALL, 0);
            case "failed": return new NestedPolicy(Kind.FAILED, 0);
            case "none": return new NestedPolicy(Kind.NONE, 0);
            default:
        }
        if (t.startsWith("worst:")) {
            try {
                int n = Integer.parseInt(t.substring("worst:".length()));
                if (n > 0) {
                    return new NestedPolicy(Kind.WORST, n);
                }
            } catch (NumberFormatException e) {
                // said below
            }
        }
        throw new IllegalArgumentException("--nested must be default, all, failed, worst:N (N > 0) or none, not '" + text + "'");
    }

    /** The store listings whose runs get a nested run, in order, disjoint. */
    public List<DeviceQuery> queries(TrackingStore tracking, String sessionId) {
        DeviceQuery failed = DeviceQuery.ALL.withStatuses(NO_MODEL);
        return switch (kind) {
            case ALL -> List.of(DeviceQuery.ALL);
            case NONE -> List.of();
            case FAILED -> List.of(failed);
            case WORST -> List.of(worst(worst));
            case DEFAULT -> tracking.countDevices(sessionId, DeviceQuery.ALL) <= DEFAULT_ALL_UP_TO ? List.of(DeviceQuery.ALL)
                    : List.of(failed, worst(worst));
        };
    }

    private static DeviceQuery worst(int n) {
        return DeviceQuery.ALL.withStatuses(Set.of(Status.OK)).sorted(DeviceQuery.Sort.MSE).page(n, 0);
    }

    @Override
    public String toString() {
        return kind == Kind.WORST ? "worst:" + worst : kind.name().toLowerCase(java.util.Locale.ROOT);
    }
}
