import io.fleetml.data.DeviceFrame;
import io.fleetml.data.DuckDbFleetSource;
import io.fleetml.engine.LocalEngine;
import io.fleetml.engine.Progress;
import io.fleetml.engine.TrainReport;
import io.fleetml.model.Algorithm;
import io.fleetml.model.DeviceModel;
import io.fleetml.model.DeviceTrainer;
import io.fleetml.model.Params;
import io.fleetml.store.FleetStore;
import io.fleetml.train.Holdout;
import io.fleetml.train.Metrics;
import io.fleetml.train.TrainSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * fleetml's train (read + train + evaluate + store + track, from the file) against the bare algorithm over
 * the same devices' arrays already in memory (no grouping, no storage, no tracking), in one JVM, alternating.
 *
 * <pre>java -cp fleetml-cli/target/fleetml.jar bench/FleetBench.java DATA ALGORITHM [name=value ...]</pre>
 */
public class FleetBench {
    public static void main(String[] args) throws Exception {
        String data = args[0];
        String algorithm = args[1];
        TrainSpec.Builder builder = TrainSpec.builder("device_id", List.of("feature_1", "feature_2", "feature_3"), "label")
                .algorithm(algorithm).idColumn("record_id");
        for (int i = 2; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            builder.param(kv[0], kv[1]);
        }
        TrainSpec spec = builder.build();
        List<DeviceFrame> frames = new ArrayList<>();
        try (var source = DuckDbFleetSource.open(data); var f = source.frames(spec.frameQuery())) {
            f.forEachRemaining(frames::add);
        }
        int cores = Runtime.getRuntime().availableProcessors();
        Algorithm a = spec.resolveAlgorithm();
        Map<String, String> params = Params.resolve(a, spec.params());
        // The bare loop: what one writes by hand — devices one after another, the library given all cores.
        DeviceTrainer bareTrainer = a.trainer(params, cores);
        List<Double> bare = new ArrayList<>();
        List<Double> fleet = new ArrayList<>();
        double bareMse = 0;
        double fleetMse = 0;
        for (int rep = 0; rep < 3; rep++) {
            long t0 = System.nanoTime();
            double sum = 0;
            for (DeviceFrame f : frames) {
                int[][] split = Holdout.split(f.rows(), spec.testFraction(), false, spec.seed(), f.deviceId());
                DeviceFrame train = f.select(split[0]);
                DeviceFrame test = f.select(split[1]);
                DeviceModel m = bareTrainer.fit(train);
                sum += Metrics.of(test.label(), m.predict(test)).mse();
            }
            bare.add((System.nanoTime() - t0) / 1e9);
            bareMse = sum / frames.size();

            Path store = Files.createTempDirectory("fleetbench");
            long t1 = System.nanoTime();
            try (var source = DuckDbFleetSource.open(data); var s = FleetStore.open(store)) {
                TrainReport r = new LocalEngine().train(source, spec, s, Progress.NONE);
                fleet.add((System.nanoTime() - t1) / 1e9);
                fleetMse = s.tracking().devices(r.session().id()).stream().mapToDouble(o -> o.holdout().mse()).average().orElseThrow();
            }
            System.out.printf(Locale.ROOT, "rep %d: bare %.2f s, fleetml %.2f s (ratio %.3f)%n", rep, bare.get(rep), fleet.get(rep),
                    fleet.get(rep) / bare.get(rep));
        }
        double b = median(bare);
        double f = median(fleet);
        System.out.printf(Locale.ROOT, "RESULT algorithm=%s devices=%d rows=%d bare_s=%.3f fleetml_s=%.3f ratio=%.3f "
                        + "fleetml_devices_per_s=%.0f bare_mse=%.5f fleetml_mse=%.5f%n", algorithm, frames.size(),
                frames.stream().mapToLong(DeviceFrame::rows).sum(), b, f, f / b, frames.size() / f, bareMse, fleetMse);
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        return s.get(s.size() / 2);
    }
}
