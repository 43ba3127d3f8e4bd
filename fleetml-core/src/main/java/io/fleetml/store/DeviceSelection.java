package io.fleetml.store;

import io.fleetml.train.TrainOutcome;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Which devices of a parent session a retraining trains: those whose run there has one of {@code statuses},
 * and those named in {@code devices}. Stored with the retraining session, so that resuming it trains the
 * same devices.
 */
public record DeviceSelection(Set<TrainOutcome.Status> statuses, List<String> devices) implements java.io.Serializable {
    public DeviceSelection {
        statuses = statuses == null || statuses.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(statuses));
        devices = devices == null ? List.of() : List.copyOf(devices);
    }

    /** For messages: "devices FAILED or SKIPPED in S and 3 named devices". */
    public String describe(String parent) {
        StringBuilder s = new StringBuilder();
        if (!statuses.isEmpty()) {
            s.append("devices ").append(String.join(" or ", statuses.stream().map(Enum::name).sorted().toList())).append(" in ").append(parent);
        }
        if (!devices.isEmpty()) {
            s.append(s.length() > 0 ? " and " : "").append(devices.size()).append(devices.size() == 1 ? " named device" : " named devices");
        }
        return s.toString();
    }
}
