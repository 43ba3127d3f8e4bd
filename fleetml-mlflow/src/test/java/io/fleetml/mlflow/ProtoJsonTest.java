package io.fleetml.mlflow;

import org.junit.jupiter.api.Test;
import org.mlflow.api.proto.Service.Metric;
import org.mlflow.api.proto.Service.Run;
import org.mlflow.api.proto.Service.RunInfo;
import org.mlflow.api.proto.Service.RunStatus;
import org.mlflow.api.proto.Service.SearchRuns;
import org.mlflow_project.google.protobuf.util.JsonFormat;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

class ProtoJsonTest {

    @Test
    void writesMlflowsJsonThatProtobufsOwnParserReadsBack() throws Exception {
        Run run = Run.newBuilder().setInfo(RunInfo.newBuilder().setRunId("S_1").setStatus(RunStatus.FAILED).setStartTime(1_700_000_000_123L))
                .setData(org.mlflow.api.proto.Service.RunData.newBuilder()
                        .addMetrics(Metric.newBuilder().setKey("mse").setValue(0.25).setTimestamp(5).setStep(0))
                        .addMetrics(Metric.newBuilder().setKey("odd").setValue(Double.NaN))).build();
        SearchRuns.Response page = SearchRuns.Response.newBuilder().addRuns(run).setNextPageToken("t").build();
        String json = new String(ProtoJson.bytes(page), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"run_id\":\"S_1\""), "the fields' own names: " + json);
        assertTrue(json.contains("\"start_time\":1700000000123"), "int64 as a JSON number, as MLflow's server writes it: " + json);
        assertTrue(json.contains("\"status\":\"FAILED\""), json);
        assertTrue(json.contains("\"value\":\"NaN\""), json);
        assertFalse(json.contains("end_time"), "unset fields left out");
        SearchRuns.Response.Builder back = SearchRuns.Response.newBuilder();
        JsonFormat.parser().merge(json, back);
        assertEquals(page.toString(), back.build().toString());
        String theirs = JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace().print(page);
        assertEquals(theirs.replace("\"1700000000123\"", "1700000000123").replace("\"timestamp\":\"5\"", "\"timestamp\":5")
                .replace("\"step\":\"0\"", "\"step\":0"), json, "protobuf's own printer but for int64 quoting");
    }
}
