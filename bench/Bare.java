import io.fleetml.data.DeviceFrame;
import io.fleetml.data.DuckDbFleetSource;
import io.fleetml.data.FleetSource;
import io.fleetml.data.FrameQuery;
import io.fleetml.model.Algorithm;
import io.fleetml.model.DeviceModel;
import io.fleetml.model.DeviceTrainer;
import io.fleetml.model.Params;
import io.fleetml.store.DeviceQuery;
import io.fleetml.store.FleetStore;
import io.fleetml.store.SessionRecord;
import io.fleetml.train.Holdout;
import io.fleetml.train.Metrics;
import io.fleetml.train.TrainOutcome;
import io.fleetml.train.TrainSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The bare-algorithm baseline: the same fits (or predictions) over the same devices' arrays already in
 * memory, one device after another — no grouping, storage or tracking. The library gets every core for
 * devices of 10,000 rows or more and one thread for smaller ones (threads cost more than they bring on
 * 100 rows). Only the loop is timed. Prints one JSON line.
 *
 * <pre>
 * java -cp fleetml-cli/target/fleetml.jar bench/Bare.java train STORE SESSION DATA   (the session's spec and data)
 * java -cp fleetml-cli/target/fleetml.jar bench/Bare.java score STORE SESSION DATA   (the session's models)
 * </pre>
 * An optional fifth argument takes only the first N devices, for a rate where the whole fleet would take long.
 */
public class Bare {
    public static void main(String[] args) throws Exception {
        String mode = args[0];
        try (FleetStore store = FleetStore.open(Path.of(args[1]))) {
            SessionRecord session = store.tracking().session(args[2]).orElseThrow();
            TrainSpec spec = session.spec();
            boolean train = mode.equals("train");
            FrameQuery query = new FrameQuery(spec.deviceColumn(), spec.features(), train ? spec.label() : null, spec.idColumn(), spec.timeColumns());
            List<DeviceFrame> frames = new ArrayList<>();
            try (FleetSource source = DuckDbFleetSource.open(args[3]); var f = source.frames(query)) {
                int max = args.length > 4 ? Integer.parseInt(args[4]) : Integer.MAX_VALUE;
                while (f.hasNext() && frames.size() < max) {
                    frames.add(f.next());
                }
            }
            long rows = frames.stream().mapToLong(DeviceFrame::rows).sum();
            int cores = rows / Math.max(1, frames.size()) >= 10_000 ? Runtime.getRuntime().availableProcessors() : 1;
            if (train) {
                Algorithm a = spec.resolveAlgorithm();
                DeviceTrainer trainer = a.trainer(Params.resolve(a, spec.params()), cores);
                long t0 = System.nanoTime();
                double mse = 0;
                int counted = 0;
                for (DeviceFrame f : frames) {
                    DeviceFrame usable = a.handlesMissingFeatures() ? labelled(f, false) : labelled(f, true);
                    if (usable.rows() < spec.minRows()) {
                        continue;
                    }
                    int[][] split = Holdout.split(usable.rows(), spec.testFraction(), !spec.timeColumns().isEmpty(), spec.seed(), f.deviceId());
                    DeviceFrame test = usable.select(split[1]);
                    double e;
                    try (DeviceModel m = trainer.fit(usable.select(split[0]))) {
                        e = Metrics.of(test.label(), m.predict(test)).mse();
                    }
                    if (!Double.isNaN(e)) {
                        mse += e;
                        counted++;
                    }
                }
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf(Locale.ROOT, "{\"mode\":\"train\",\"devices\":%d,\"rows\":%d,\"seconds\":%.4f,\"mean_holdout_mse\":%.6g}%n",
                        frames.size(), rows, s, mse / Math.max(1, counted));
            } else {
                Map<String, DeviceModel> models = new HashMap<>();
                Algorithm a = spec.resolveAlgorithm();
                store.tracking().forEachDevice(session.id(), DeviceQuery.ALL.withStatuses(java.util.Set.of(TrainOutcome.Status.OK)), o -> {
                    try {
                        models.put(o.deviceId(), a.load(store.artifacts().read(o.modelUri())));
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                long t0 = System.nanoTime();
                double checksum = 0;
                for (DeviceFrame f : frames) {
                    DeviceModel m = models.get(f.deviceId());
                    if (m != null) {
                        double[] p = m.predict(f);
                        checksum += p.length > 0 ? p[0] : 0;
                    }
                }
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf(Locale.ROOT, "{\"mode\":\"score\",\"devices\":%d,\"rows\":%d,\"seconds\":%.4f,\"checksum\":%.6g}%n",
                        frames.size(), rows, s, checksum);
            }
        }
    }

    /** The rows with a label (and, when asked, no missing feature): what training may use. */
    private static DeviceFrame labelled(DeviceFrame f, boolean completeFeatures) {
        int[] keep = new int[f.rows()];
        int n = 0;
        for (int i = 0; i < f.rows(); i++) {
            if (!Double.isNaN(f.label()[i]) && !(completeFeatures && f.hasMissingFeature(i))) {
                keep[n++] = i;
            }
        }
        return f.select(java.util.Arrays.copyOf(keep, n));
    }
}
