package io.fleetml.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleetml.train.TrainOutcome;
import io.fleetml.train.TrainSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The store's JSON reads what it writes, and what the object mapper of earlier fleetml versions wrote. */
class SessionJsonTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static final TrainSpec SPEC = TrainSpec.builder("station", List.of("TEMP", "PM2.5", "a \"quoted\" name"), "y")
            .algorithm("gradient_boosting").param("n_estimators", 50).param("max_depth", 3).timeColumns(List.of("year", "No"))
            .idColumn("No").minRows(20).testFraction(0.25).experiment("ünïcode").build();
    private static final SessionSummary SUMMARY = new SessionSummary(5, 2, 1, 3, 1234, 0.5, Double.NaN, Double.POSITIVE_INFINITY, -2.5,
            Double.NaN, List.of(new SessionSummary.WorstDevice("a/b", 1.5, Double.NaN), new SessionSummary.WorstDevice("c", 0.1, -3)), 12.25);
    private static final DeviceSelection SELECTION = new DeviceSelection(Set.of(TrainOutcome.Status.FAILED, TrainOutcome.Status.SKIPPED),
            List.of("x", "../y"));

    @Test
    void roundTrips() throws Exception {
        assertEquals(SPEC, SessionJson.spec(SessionJson.spec(SPEC)));
        TrainSpec fleetSpec = TrainSpec.builder("d", List.of("x"), "y").fleet(new io.fleetml.fleet.FleetSpec(io.fleetml.fleet.FleetMode.FALLBACK,
                "linear", java.util.Map.of("alpha", "2"), 0.3, 500)).build();
        assertEquals(fleetSpec, SessionJson.spec(SessionJson.spec(fleetSpec)));
        assertEquals(SUMMARY, SessionJson.summary(SessionJson.summary(SUMMARY)));
        assertEquals(SELECTION, SessionJson.selection(SessionJson.selection(SELECTION)));
        io.fleetml.fleet.FleetReport fleet = new io.fleetml.fleet.FleetReport(io.fleetml.fleet.FleetMode.STACK, "gradient_boosting",
                java.util.Map.of("n_estimators", "50"), "artifacts/s/fleet.zip!/fleet/", 1000, 10, new double[] {0.5, -1e-9, 2},
                java.util.Map.of("device", 3L, "stack", 7L), List.of(new io.fleetml.fleet.FleetReport.Row("chosen", "own", 9, 90, 0.25, Double.NaN)));
        io.fleetml.fleet.FleetReport back = SessionJson.fleet(SessionJson.fleet(fleet));
        assertEquals(fleet.table(), back.table());
        assertEquals(fleet.chosen(), back.chosen());
        assertEquals(fleet.params(), back.params());
        assertEquals(List.of(fleet.mode(), fleet.algorithm(), fleet.modelUri(), fleet.sampleRows(), fleet.quota()),
                List.of(back.mode(), back.algorithm(), back.modelUri(), back.sampleRows(), back.quota()));
        org.junit.jupiter.api.Assertions.assertArrayEquals(fleet.stacker(), back.stacker());
        TrainSpec noId = TrainSpec.builder("d", List.of("x"), "y").build();
        assertEquals(noId, SessionJson.spec(SessionJson.spec(noId)));
    }

    @Test
    void readsWhatTheObjectMapperWrote() throws Exception {
        assertEquals(SPEC, SessionJson.spec(MAPPER.writeValueAsString(SPEC)));
        assertEquals(SUMMARY, SessionJson.summary(MAPPER.writeValueAsString(SUMMARY)));
        assertEquals(SELECTION, SessionJson.selection(MAPPER.writeValueAsString(SELECTION)));
        assertEquals(new SessionSummary(2, 0, 0, 0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, List.of(), Double.NaN),
                SessionJson.summary("{\"ok\":2,\"failed\":0,\"skipped\":0,\"someday\":{\"a\":[1,2]}}"), "missing fields default, unknown ones are skipped");
    }
}
