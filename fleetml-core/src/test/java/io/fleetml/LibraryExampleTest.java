package io.fleetml;

import io.fleetml.data.DeviceFrame;
import io.fleetml.data.DuckDbFleetSource;
import io.fleetml.data.FleetSource;
import io.fleetml.engine.LocalEngine;
import io.fleetml.engine.Progress;
import io.fleetml.engine.TrainReport;
import io.fleetml.model.Algorithm;
import io.fleetml.model.DeviceModel;
import io.fleetml.model.ModelArtifact;
import io.fleetml.score.ScoreReport;
import io.fleetml.store.DeviceQuery;
import io.fleetml.store.FleetStore;
import io.fleetml.train.TrainOutcome;
import io.fleetml.train.TrainSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.DoubleAdder;

import static org.junit.jupiter.api.Assertions.*;

@org.junit.jupiter.api.Tag("slow")
/** The README's "use it as a library" example, verbatim but for the paths and the assertions. */
public class LibraryExampleTest {
    @TempDir
    Path dir;

    /** The user's model: predicts the mean label of the device's training rows. */
    public record MeanModel(double mean) implements DeviceModel {
        @Override
        public double[] predict(DeviceFrame frame) {
            double[] out = new double[frame.rows()];
            Arrays.fill(out, mean);
            return out;
        }

        @Override
        public ModelArtifact artifact() {
            return new ModelArtifact("mean.bin", ByteBuffer.allocate(8).putDouble(mean).array());
        }
    }

    @Test
    void userSuppliedTrainerRunsForEveryStation() {
        String data = TestFleets.beijing() + "/*.csv.gz";
        Path storeDir = dir.resolve("fleetml-store");

        // --- README example starts
        Algorithm mean = Algorithm.custom("station_mean",
                frame -> new MeanModel(Arrays.stream(frame.label()).average().orElseThrow()),   // train one device
                artifact -> new MeanModel(ByteBuffer.wrap(artifact.bytes()).getDouble()));     // load it back

        TrainSpec spec = TrainSpec.builder("station", List.of("TEMP", "PRES", "DEWP"), "PM2.5")
                .algorithm(mean).timeColumn("No").build();

        try (FleetSource source = DuckDbFleetSource.open(data);
             FleetStore store = FleetStore.open(storeDir)) {
            LocalEngine engine = new LocalEngine();
            TrainReport report = engine.train(source, spec, store, Progress.NONE);
            for (TrainOutcome device : store.tracking().devices(report.session().id(), DeviceQuery.ALL)) {
                System.out.printf("%s %s mse=%.1f %s%n", device.deviceId(), device.status(), device.holdout().mse(), device.modelUri());
            }
            DoubleAdder sum = new DoubleAdder();
            ScoreReport scored = engine.score(source, report.session(), store,
                    (deviceId, recordIds, predictions, model) -> sum.add(Arrays.stream(predictions).sum()), Progress.NONE);
            // --- README example ends

            assertEquals(12, report.summary().ok());
            assertEquals(420_768, scored.predicted());
            double meanPm25 = sum.sum() / scored.predicted();
            assertTrue(meanPm25 > 60 && meanPm25 < 100, "Beijing's PM2.5 averages about 80: " + meanPm25);
            TrainOutcome first = store.tracking().devices(report.session().id(), DeviceQuery.ALL).get(0);
            assertTrue(first.holdout().r2() < 0.05, "a mean model explains ~nothing: " + first.holdout().r2());
        }
    }
}
