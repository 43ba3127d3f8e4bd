package io.fleetml.mlflow;

import io.fleetml.data.DeviceIdType;
import io.fleetml.model.ModelArtifact;
import io.fleetml.store.ArtifactStore;
import io.fleetml.store.FleetStore;
import io.fleetml.store.SessionPlan;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.SessionStatus;
import io.fleetml.store.SessionSummary;
import io.fleetml.train.Metrics;
import io.fleetml.train.TrainOutcome;
import io.fleetml.train.TrainSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Sessions made quickly through the store's own API (no training): device {@code d00042} has holdout MSE 42 (so the
 * worst are the highest numbers), every 200th device failed and every 500th (not failed) skipped; the others have a
 * linear model {@code y = i + 2·x1 - x2} in real packs of 1,000 devices.
 */
final class Fleets {
    private Fleets() {
    }

    static String id(int i) {
        return String.format("d%05d", i);
    }

    static boolean failed(int i) {
        return i % 200 == 7;
    }

    static boolean skipped(int i) {
        return !failed(i) && i % 500 == 3;
    }

    static long failedOrSkipped(int devices) {
        long n = 0;
        for (int i = 0; i < devices; i++) {
            n += failed(i) || skipped(i) ? 1 : 0;
        }
        return n;
    }

    static SessionRecord session(FleetStore store, int devices, String experiment) throws IOException {
        TrainSpec spec = TrainSpec.builder("device", List.of("x1", "x2"), "y").algorithm("linear").param("alpha", 0.5).experiment(experiment).build();
        SessionRecord s = store.tracking().startSession(new SessionPlan(spec, "fleet.csv", "/data/fleet.csv", devices * 100L, devices,
                DeviceIdType.TEXT, store.artifacts().root(), null, null, "local"));
        for (int from = 0; from < devices; from += 1000) {
            List<Integer> ok = new ArrayList<>();
            List<TrainOutcome> runs = new ArrayList<>();
            List<ArtifactStore.DeviceArtifact> models = new ArrayList<>();
            for (int i = from; i < Math.min(devices, from + 1000); i++) {
                if (failed(i)) {
                    runs.add(TrainOutcome.failed(id(i), 3, 0, "too few rows: 3 (need 10)", 0.1));
                } else if (skipped(i)) {
                    runs.add(new TrainOutcome(id(i), TrainOutcome.Status.SKIPPED, 50, 0, 0, 0, Metrics.NONE, Double.NaN, null,
                            "constant label", 0.1, null, null));
                } else {
                    ok.add(i);
                    String json = "{\"type\":\"ridge\",\"intercept\":" + i + ",\"coefficients\":[2.0,-1.0],\"features\":[\"x1\",\"x2\"]}";
                    models.add(new ArtifactStore.DeviceArtifact(id(i), new ModelArtifact("model.json", json.getBytes(StandardCharsets.UTF_8)),
                            "{\"model\":\"model.json\"}".getBytes(StandardCharsets.UTF_8)));
                }
            }
            List<String> uris = store.artifacts().writePack(s.id(), String.format("part-%05d", from / 1000), models);
            for (int k = 0; k < ok.size(); k++) {
                int i = ok.get(k);
                double mse = i;
                runs.add(new TrainOutcome(id(i), TrainOutcome.Status.OK, 100, 80, 20, 0, new Metrics(mse, Math.sqrt(mse), mse / 2, 1 - mse / 1e5),
                        mse / 2, uris.get(k), null, 1.5, null, null));
            }
            store.tracking().recordDevices(s.id(), runs);
        }
        long bad = failedOrSkipped(devices);
        store.tracking().finishSession(s.id(), SessionStatus.FINISHED, new SessionSummary(devices - bad, bad, 0, 0, devices * 80L,
                devices / 2.0, devices * 0.9, devices, 0.9, 0.99, List.of(), 3.5), devices, null);
        return store.tracking().session(s.id()).orElseThrow();
    }
}
