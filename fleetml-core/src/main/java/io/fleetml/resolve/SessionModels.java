package io.fleetml.resolve;

import io.fleetml.store.DeviceQuery;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.TrackingStore;
import io.fleetml.train.TrainOutcome;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The models of a finished session: each device with a model gets it, including the devices a retraining
 * inherited (their model is the one the parent session trained). Serializable, so Spark broadcasts it.
 */
public final class SessionModels implements ModelResolver, java.io.Serializable {
    private final Map<String, ModelRef> byDevice;
    private final List<String> names;

    private SessionModels(Map<String, ModelRef> byDevice, List<String> names) {
        this.byDevice = byDevice;
        this.names = names;
    }

    /**
     * Only a finished session is scored: an unfinished one's devices are not all trained.
     *
     * @throws io.fleetml.data.FleetInputException naming the session, its status and what to do
     */
    public static void requireScorable(SessionRecord session) {
        if (session.status() != io.fleetml.store.SessionStatus.FINISHED) {
            throw new io.fleetml.data.FleetInputException("session " + session.id() + " is " + session.status() + ", not FINISHED; score a "
                    + "finished session" + (session.status().resumable() ? " (finish this one with: fleetml resume " + session.id() + ")" : ""));
        }
    }

    /** Reads the models of {@code session} from {@code tracking}. */
    public static SessionModels of(SessionRecord session, TrackingStore tracking) {
        Map<String, ModelRef> byDevice = new HashMap<>();
        Map<String, String> sessions = new HashMap<>(); // one String per session, not per device
        Set<String> names = new LinkedHashSet<>();
        String algorithm = session.spec().algorithm();
        tracking.forEachDevice(session.id(), DeviceQuery.ALL.withStatuses(Set.of(TrainOutcome.Status.OK)), o -> {
            if (o.modelUri() != null) {
                String from = o.trainedIn() == null ? session.id() : o.trainedIn();
                ModelRef ref = new ModelRef(o.modelUri(), algorithm, ModelKind.DEVICE, sessions.computeIfAbsent(from, s -> s));
                byDevice.put(o.deviceId(), ref);
                names.add(ref.name());
            }
        });
        return new SessionModels(byDevice, List.copyOf(names));
    }

    /**
     * The names a session's models can have without reading its runs: {@code device/} and the session, or any
     * session it descends from through retraining (an inherited model keeps the name of the session that trained it).
     */
    public static List<String> names(SessionRecord session, TrackingStore tracking) {
        Set<String> names = new LinkedHashSet<>();
        for (SessionRecord s = session; s != null && names.add(ModelKind.DEVICE.label() + "/" + s.id()); ) {
            s = s.parent() == null ? null : tracking.session(s.parent()).orElse(null);
        }
        return List.copyOf(names);
    }

    @Override
    public ModelRef resolve(String deviceId) {
        return byDevice.get(deviceId);
    }

    @Override
    public List<String> names() {
        return names;
    }

    /** Devices with a model. */
    public int size() {
        return byDevice.size();
    }
}
