package io.fleetml.server;

import io.fleetml.data.DeviceIdType;
import io.fleetml.data.DuckDbFleetSource;
import io.fleetml.data.FleetSource;
import io.fleetml.engine.LocalEngine;
import io.fleetml.engine.Progress;
import io.fleetml.fleet.FleetMode;
import io.fleetml.fleet.FleetSpec;
import io.fleetml.store.FleetStore;
import io.fleetml.store.SessionPlan;
import io.fleetml.store.SessionRecord;
import io.fleetml.train.Metrics;
import io.fleetml.train.TrainOutcome;
import io.fleetml.train.TrainSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The dashboard's test store, trained through the real engine: session {@code a}, then {@code b} on the same fleet
 * where {@link #NOISY} devices got heavy label noise (their models are clearly worse), {@link #LOST} left and
 * {@link #ADDED} joined; {@code stack}: b's data with a fleet stack. In every one, {@link #FAILING} devices have too
 * few rows and {@link #UNLABELLED} has no label. Devices have 12 to ~400 rows, so the scatter's log x spreads.
 */
final class DashboardStore {
    static final List<String> FEATURES = List.of("x1", "x2");
    static final int DEVICES = 60;
    static final Set<String> NOISY = Set.of("dev-007", "dev-021");
    static final String LOST = "dev-059";
    static final List<String> ADDED = List.of("dev-new-1", "dev-new-2");
    static final List<String> FAILING = List.of("dev-tiny-1", "dev-tiny-2", "dev-tiny-3");
    static final String UNLABELLED = "dev-unlabelled";
    /** A device id that is HTML: it must show as text. */
    static final String HOSTILE = "<img src=x onerror=window.pwned=1>";

    final FleetStore store;
    final SessionRecord a;
    final SessionRecord b;
    final SessionRecord stack;

    DashboardStore(Path dir) {
        store = FleetStore.open(dir.resolve("store"));
        a = train(write(dir.resolve("a.csv"), false, 1), "dashboard", null);
        b = train(write(dir.resolve("b.csv"), true, 2), "dashboard", null);
        stack = train(dir.resolve("b.csv"), "dashboard-stack",
                new FleetSpec(FleetMode.STACK, "gradient_boosting", Map.of("n_estimators", "20"), 0.2, 100_000));
        var registry = store.tracking().registry();
        registry.register("pumps", a.id(), "champion", "first fleet", "test");
        registry.register("pumps", b.id(), null, "after the noisy week", "test");
        registry.register("pumps", stack.id(), "challenger", "with a fleet stack", "test");
    }

    static String id(int d) {
        return String.format(Locale.ROOT, "dev-%03d", d);
    }

    /** device_id,x1,x2,y with y = 10 + d/10 + 2·x1 − 3·x2 + noise; {@code later}: b's fleet (noisy, lost, added). */
    static Path write(Path file, boolean later, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder("device_id,x1,x2,y\n");
        List<String> ids = new ArrayList<>();
        for (int d = 0; d < DEVICES; d++) {
            ids.add(id(d));
        }
        ids.add(HOSTILE);
        if (later) {
            ids.remove(LOST);
            ids.addAll(ADDED);
        }
        for (int k = 0; k < ids.size(); k++) {
            String device = ids.get(k);
            int rows = 12 + (k * 53) % 390;
            double noise = later && NOISY.contains(device) ? 40 : 0.3;
            for (int i = 0; i < rows; i++) {
                row(sb, device, r, 10 + k / 10.0, noise, true);
            }
        }
        for (String tiny : FAILING) {
            for (int i = 0; i < 4; i++) {
                row(sb, tiny, r, 0, 0.1, true);
            }
        }
        for (int i = 0; i < 20; i++) {
            row(sb, UNLABELLED, r, 0, 0.1, false);
        }
        try {
            Files.writeString(file, sb);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private static void row(StringBuilder sb, String device, SplittableRandom r, double offset, double noise, boolean label) {
        double x1 = r.nextDouble();
        double x2 = r.nextDouble();
        double y = offset + 2 * x1 - 3 * x2 + noise * (r.nextDouble() - 0.5) * 2;
        sb.append(String.format(Locale.ROOT, "%s,%.6f,%.6f,%s%n", device, x1, x2, label ? String.format(Locale.ROOT, "%.6f", y) : ""));
    }

    private SessionRecord train(Path data, String experiment, FleetSpec fleet) {
        TrainSpec.Builder spec = TrainSpec.builder("device_id", FEATURES, "y").algorithm("linear").experiment(experiment);
        if (fleet != null) {
            spec.fleet(fleet);
        }
        try (FleetSource source = DuckDbFleetSource.open(data.toString())) {
            return new LocalEngine(2).train(source, spec.build(), store, Progress.NONE).session();
        }
    }

    /**
     * A session left RUNNING (as a training process in flight leaves it) of {@code devices} devices with none
     * recorded yet; {@link #record} adds some.
     */
    SessionRecord running(String experiment, int devices) {
        TrainSpec spec = TrainSpec.builder("device_id", FEATURES, "y").algorithm("linear").experiment(experiment).build();
        return store.tracking().startSession(new SessionPlan(spec, "live.csv", "/data/live.csv", devices * 20L, devices,
                DeviceIdType.TEXT, store.artifacts().root(), null, null, "local"));
    }

    /** A session that stopped with {@code recorded} of {@code devices} devices recorded, as a killed training leaves it. */
    SessionRecord interrupted(String experiment, int devices, int recorded) {
        SessionRecord s = running(experiment, devices);
        record(s, 0, recorded);
        store.tracking().finishSession(s.id(), io.fleetml.store.SessionStatus.INTERRUPTED, null, devices, null);
        return s;
    }

    /** Records devices {@code from..to-1} of a running session as OK (metrics only, no model). */
    void record(SessionRecord s, int from, int to) {
        List<TrainOutcome> outcomes = new ArrayList<>();
        for (int i = from; i < to; i++) {
            outcomes.add(new TrainOutcome("live-" + i, TrainOutcome.Status.OK, 20, 16, 4, 0, new Metrics(0.1, 0.3, 0.25, 0.9),
                    0.08, null, null, 1.0, "local"));
        }
        store.tracking().recordDevices(s.id(), outcomes);
        store.tracking().heartbeat(s.id());
    }
}
