package io.fleetml.resolve;

import io.fleetml.fleet.FleetReport;
import io.fleetml.fleet.Stacker;
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
 * inherited (their model is the one the parent session trained). In a session with fleet models, each device gets
 * the model chosen for it (or the kind {@link ModelUse} asks for), and a device the session does not know gets the
 * fleet model. Serializable, so Spark broadcasts it.
 */
public final class SessionModels implements ModelResolver, java.io.Serializable {
    private final Map<String, ModelRef> byDevice;
    private final ModelRef unknown;
    private final List<String> names;

    private SessionModels(Map<String, ModelRef> byDevice, ModelRef unknown, List<String> names) {
        this.byDevice = byDevice;
        this.unknown = unknown;
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

    /**
     * The kind {@code use} asks for must be one the session has.
     *
     * @throws io.fleetml.data.FleetInputException naming the session and what it has
     */
    public static void requireScorable(SessionRecord session, ModelUse use) {
        requireScorable(session);
        FleetReport fleet = session.fleet();
        boolean has = switch (use) {
            case CHOSEN, DEVICE -> true;
            case FLEET -> fleet != null;
            case HIERARCHICAL -> fleet != null && fleet.has(ModelKind.HIERARCHICAL);
            case STACK -> fleet != null && fleet.has(ModelKind.STACK);
        };
        if (!has) {
            throw new io.fleetml.data.FleetInputException("session " + session.id() + " has no " + use.label() + " model"
                    + (fleet == null ? " (it was trained without --fleet)" : " (it was trained with --fleet " + fleet.mode().label() + ")")
                    + "; train with --fleet " + (use == ModelUse.FLEET ? "fallback or stack" : "stack") + ", or score with --use chosen");
        }
    }

    /** Reads the chosen models of {@code session} from {@code tracking}. */
    public static SessionModels of(SessionRecord session, TrackingStore tracking) {
        return of(session, tracking, ModelUse.CHOSEN);
    }

    /** Reads the models of {@code session} that {@code use} asks for. */
    public static SessionModels of(SessionRecord session, TrackingStore tracking, ModelUse use) {
        requireScorable(session, use);
        Map<String, ModelRef> byDevice = new HashMap<>();
        Map<String, String> sessions = new HashMap<>(); // one String per session, not per device
        Set<String> names = new LinkedHashSet<>();
        FleetReport report = session.fleet();
        ModelRef fleet = report == null ? null : new ModelRef(report.modelUri(), report.algorithm(), ModelKind.FLEET, session.id());
        Stacker stacker = report == null ? null : report.stackerModel();
        DeviceQuery query = report == null ? DeviceQuery.ALL.withStatuses(Set.of(TrainOutcome.Status.OK)) : DeviceQuery.ALL;
        tracking.forEachDevice(session.id(), query, o -> {
            ModelRef ref = ref(session, use, o, fleet, stacker, sessions.computeIfAbsent(o.trainedIn() == null ? session.id() : o.trainedIn(), s -> s));
            if (ref != null) {
                byDevice.put(o.deviceId(), ref);
                names.add(ref.name());
            }
        });
        ModelRef unknown = use == ModelUse.CHOSEN || use == ModelUse.FLEET || use == ModelUse.STACK ? fleet : null;
        if (unknown != null) {
            names.add(unknown.name());
        }
        return new SessionModels(byDevice, unknown, List.copyOf(names));
    }

    /** The model that answers for device run {@code o} of {@code session}; null when none does. */
    private static ModelRef ref(SessionRecord session, ModelUse use, TrainOutcome o, ModelRef fleet, Stacker stacker, String from) {
        String algorithm = session.spec().algorithm();
        ModelRef device = o.status() == TrainOutcome.Status.OK && o.modelUri() != null
                ? new ModelRef(o.modelUri(), algorithm, ModelKind.DEVICE, from) : null;
        return switch (session.fleet() == null ? ModelKind.DEVICE : kind(use, o)) {
            case DEVICE -> device;
            case FLEET -> fleet;
            case HIERARCHICAL -> hierarchical(fleet, o, algorithm, from);
            case STACK -> device == null || stacker == null ? fleet : stack(fleet, device, o, algorithm, from, stacker);
        };
    }

    /**
     * The model of {@code session} that answers for one device, as {@link #of(SessionRecord, TrackingStore)} would
     * resolve it, from that device's run alone: a device without a run gets the fleet model, if any.
     */
    public static ModelRef forDevice(SessionRecord session, TrackingStore tracking, String deviceId) {
        FleetReport report = session.fleet();
        ModelRef fleet = report == null ? null : new ModelRef(report.modelUri(), report.algorithm(), ModelKind.FLEET, session.id());
        return tracking.device(session.id(), deviceId)
                .map(o -> ref(session, ModelUse.CHOSEN, o, fleet, report == null ? null : report.stackerModel(),
                        o.trainedIn() == null ? session.id() : o.trainedIn()))
                .orElse(fleet);
    }

    /** Which kind answers for a device of a fleet session. */
    private static ModelKind kind(ModelUse use, TrainOutcome o) {
        return switch (use) {
            case CHOSEN -> o.fleet() == null || o.fleet().chosen() == null ? ModelKind.DEVICE : o.fleet().chosen();
            case DEVICE -> ModelKind.DEVICE;
            case FLEET -> ModelKind.FLEET;
            case HIERARCHICAL -> ModelKind.HIERARCHICAL;
            case STACK -> ModelKind.STACK;
        };
    }

    private static ModelRef residual(TrainOutcome o, String algorithm, String from) {
        String uri = o.fleet() == null ? null : o.fleet().residualUri();
        return uri == null ? null : new ModelRef(uri, algorithm, ModelKind.HIERARCHICAL, from);
    }

    private static ModelRef hierarchical(ModelRef fleet, TrainOutcome o, String algorithm, String from) {
        ModelRef residual = residual(o, algorithm, from);
        return residual == null ? null : ModelRef.combination(ModelKind.HIERARCHICAL, from, List.of(fleet, residual), new double[] {0, 1, 1});
    }

    private static ModelRef stack(ModelRef fleet, ModelRef device, TrainOutcome o, String algorithm, String from, Stacker stacker) {
        double[] c = stacker.combination(o.nUsed());
        ModelRef residual = residual(o, algorithm, from);
        if (residual == null) { // no hierarchical model: the stack saw the fleet model in its place
            return ModelRef.combination(ModelKind.STACK, from, List.of(fleet, device), new double[] {c[0], c[1], c[2]});
        }
        return ModelRef.combination(ModelKind.STACK, from, List.of(fleet, device, residual), c);
    }

    /**
     * The names a session's models can have without reading its runs: {@code device/} and the session, or any
     * session it descends from through retraining (an inherited model keeps the name of the session that trained it),
     * and the session's fleet kinds.
     */
    public static List<String> names(SessionRecord session, TrackingStore tracking) {
        Set<String> names = new LinkedHashSet<>();
        for (SessionRecord s = session; s != null && names.add(ModelKind.DEVICE.label() + "/" + s.id()); ) {
            s = s.parent() == null ? null : tracking.session(s.parent()).orElse(null);
        }
        if (session.fleet() != null) {
            for (ModelKind k : new ModelKind[] {ModelKind.FLEET, ModelKind.HIERARCHICAL, ModelKind.STACK}) {
                if (session.fleet().has(k)) {
                    names.add(k.label() + "/" + session.id());
                }
            }
        }
        return List.copyOf(names);
    }

    @Override
    public ModelRef resolve(String deviceId) {
        ModelRef ref = byDevice.get(deviceId);
        return ref != null ? ref : unknown;
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
