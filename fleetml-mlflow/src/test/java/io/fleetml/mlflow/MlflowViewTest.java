package io.fleetml.mlflow;

import io.fleetml.store.SessionStatus;
import io.fleetml.train.Metrics;
import io.fleetml.train.TrainOutcome;
import org.junit.jupiter.api.Test;
import org.mlflow.api.proto.Service.RunStatus;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class MlflowViewTest {

    @Test
    void aDeviceRunsMetricsLeaveOutWhatIsNotFinite() {
        TrainOutcome ok = new TrainOutcome("d1", TrainOutcome.Status.OK, 100, 80, 20, 0, new Metrics(0.5, Math.sqrt(0.5), 0.4, 0.9), 0.3,
                "file:///m", null, 12.5, null);
        Map<String, Double> m = MlflowView.deviceMetrics(ok);
        assertEquals(0.5, m.get("mse"));
        assertEquals(0.9, m.get("r2"));
        assertEquals(80.0, m.get("n_used"));
        Map<String, Double> failed = MlflowView.deviceMetrics(TrainOutcome.failed("d2", 3, 0, "too few rows", 0.1));
        assertFalse(failed.containsKey("mse"), "no holdout, no MSE: " + failed);
        assertEquals(3.0, failed.get("n_rows"));
        Map<String, String> tags = MlflowView.deviceTags("S1", "run-7", TrainOutcome.failed("d2", 3, 0, "too few rows", 0.1));
        assertEquals("run-7", tags.get(MlflowView.PARENT_RUN_ID));
        assertEquals("d2", tags.get(MlflowView.RUN_NAME));
        assertEquals("too few rows", tags.get("fleetml.error"));
        assertEquals(RunStatus.FAILED, MlflowView.status(TrainOutcome.Status.SKIPPED));
    }

    @Test
    void statusesAndTimesInMlflowsTerms() {
        assertEquals(RunStatus.KILLED, MlflowView.status(SessionStatus.INTERRUPTED));
        assertEquals(RunStatus.FINISHED, MlflowView.status(SessionStatus.FINISHED));
        assertEquals(1_700_000_000_123L, MlflowView.millis("2023-11-14T22:13:20.123Z"));
        assertEquals("fleet_stack_", MlflowView.key("fleet:stack!"));
    }
}
