package io.fleetml.data;

import java.util.Set;

/**
 * Which devices of a source to read: all of them, only some, or all but some (ids as text, as fleetml keeps
 * them). Resuming a session reads the devices it has no run for yet; retraining reads the devices it retrains.
 *
 * @param mode which way {@code ids} counts
 * @param ids  the devices named
 */
public record DeviceFilter(Mode mode, Set<String> ids) {
    public enum Mode { ALL, ONLY, EXCEPT }

    public static final DeviceFilter ALL = new DeviceFilter(Mode.ALL, Set.of());

    public DeviceFilter {
        ids = Set.copyOf(ids);
    }

    public static DeviceFilter only(Set<String> ids) {
        return new DeviceFilter(Mode.ONLY, ids);
    }

    public static DeviceFilter except(Set<String> ids) {
        return ids.isEmpty() ? ALL : new DeviceFilter(Mode.EXCEPT, ids);
    }

    @Override
    public String toString() {
        return mode == Mode.ALL ? "all devices" : (mode == Mode.ONLY ? "only " : "all but ") + ids.size() + " devices";
    }
}
