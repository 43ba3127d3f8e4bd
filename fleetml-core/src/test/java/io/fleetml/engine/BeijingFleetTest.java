package io.fleetml.engine;

import io.fleetml.TestFleets;
import io.fleetml.data.DuckDbFleetSource;
import io.fleetml.data.FleetSource;
import io.fleetml.store.FleetStore;
import io.fleetml.train.TrainOutcome;
import io.fleetml.train.TrainSpec;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/** The real 12-station fleet: one model per station, PM2.5 from weather, holdout = each station's last 20% of hours. */
@Tag("slow")
class BeijingFleetTest {
    @TempDir
    Path dir;

    private static final List<String> WEATHER = List.of("TEMP", "PRES", "DEWP", "RAIN", "WSPM");

    private Map<String, TrainOutcome> train(FleetSource source, FleetStore store, String algorithm) {
        TrainSpec spec = TrainSpec.builder("station", WEATHER, "PM2.5").algorithm(algorithm).timeColumns(List.of("year", "month", "day", "hour"))
                .idColumn("No").build();
        TrainReport report = new LocalEngine().train(source, spec, store, Progress.NONE);
        assertEquals(12, report.summary().ok(), algorithm);
        return store.tracking().devices(report.session().id(), io.fleetml.store.DeviceQuery.ALL).stream().collect(Collectors.toMap(TrainOutcome::deviceId, o -> o));
    }

    @Test
    void everyStationTrainsWithItsMissingValuesCounted() {
        try (FleetSource source = DuckDbFleetSource.open(TestFleets.beijing() + "/*.csv.gz"); FleetStore store = FleetStore.open(dir)) {
            assertEquals(420_768, source.shape(new io.fleetml.data.FrameQuery("station", WEATHER, "PM2.5", null, List.of())).rows());
            Map<String, TrainOutcome> trees = train(source, store, "gradient_boosting");
            Map<String, TrainOutcome> linear = train(source, store, "linear");
            assertEquals(12, trees.size());
            for (String station : trees.keySet()) {
                TrainOutcome t = trees.get(station);
                TrainOutcome l = linear.get(station);
                assertEquals(35_064, t.nRows());
                assertTrue(t.nDropped() > 0, station + ": PM2.5 has NAs");
                assertTrue(l.nDropped() >= t.nDropped(), station + ": linear also drops rows with missing weather");
                assertEquals(t.nRows(), t.nUsed() + t.nTest() + t.nDropped());
                assertTrue(t.holdout().r2() > 0.1, station + " R² " + t.holdout().r2());
                assertTrue(t.holdout().mse() < l.holdout().mse() * 1.1, station + ": trees are no worse than a line");
            }
        }
    }
}
