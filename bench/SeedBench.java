import io.fleetml.data.DeviceFrame;
import io.fleetml.data.DuckDbFleetSource;
import io.fleetml.engine.LocalEngine;
import io.fleetml.engine.Progress;
import io.fleetml.store.FleetStore;
import io.fleetml.train.Holdout;
import io.fleetml.train.Metrics;
import io.fleetml.train.TrainSpec;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Quick side-by-side: bare XGBoost loop over in-memory arrays vs fleetml train (read+train+track+store). */
public class SeedBench {
    public static void main(String[] a) throws Exception {
        String data = a[0];
        String algo = a.length > 1 ? a[1] : "random_forest";
        List<DeviceFrame> frames = new ArrayList<>();
        TrainSpec spec = TrainSpec.builder("device_id", List.of("feature_1", "feature_2", "feature_3"), "label").algorithm(algo)
                .param("n_estimators", 100).param("max_depth", 8).idColumn("record_id").build();
        try (var src = DuckDbFleetSource.open(data); var fr = src.frames(spec.frameQuery())) {
            fr.forEachRemaining(frames::add);
        }
        for (int rep = 0; rep < 2; rep++) {
            long t0 = System.nanoTime();
            double mse = 0;
            for (DeviceFrame f : frames) {
                int[][] split = Holdout.split(f.rows(), 0.2, false, 42, f.deviceId());
                DeviceFrame tr = f.select(split[0]), te = f.select(split[1]);
                Map<String, Object> p = new HashMap<>(Map.of("objective", "reg:squarederror", "tree_method", "hist", "eta", 1.0,
                        "num_parallel_tree", 100, "max_depth", 8, "subsample", 0.5, "lambda", 0.0, "seed", 42));
                DMatrix d = new DMatrix(tr.rowMajorFloats(), tr.rows(), 3, Float.NaN);
                float[] y = new float[tr.rows()];
                for (int i = 0; i < y.length; i++) y[i] = (float) tr.label()[i];
                d.setLabel(y);
                Booster b = XGBoost.train(d, p, 1, Map.of(), null, null);
                float[][] pr = b.inplace_predict(te.rowMajorFloats(), te.rows(), 3, Float.NaN);
                double[] pd = new double[pr.length];
                for (int i = 0; i < pd.length; i++) pd[i] = pr[i][0];
                mse += Metrics.of(te.label(), pd).mse() / frames.size();
                d.dispose();
                b.dispose();
            }
            double bare = (System.nanoTime() - t0) / 1e9;
            Path dir = Files.createTempDirectory("bench-store");
            long t1 = System.nanoTime();
            try (var src = DuckDbFleetSource.open(data); var store = FleetStore.open(dir)) {
                var r = new LocalEngine().train(src, spec, store, Progress.NONE);
                double fleet = (System.nanoTime() - t1) / 1e9;
                System.out.printf("bare %.2f s (mse %.5f)  fleetml %.2f s (mse p50 %.5f)  ratio %.3f%n", bare, mse, fleet, r.summary().mseP50(), fleet / bare);
            }
        }
    }
}
