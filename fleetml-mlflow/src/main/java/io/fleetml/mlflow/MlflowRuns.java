package io.fleetml.mlflow;

import io.fleetml.registry.ModelVersion;
import io.fleetml.registry.RegisteredModel;
import io.fleetml.store.SessionRecord;
import io.fleetml.train.TrainOutcome;
import org.mlflow.api.proto.ModelRegistry;
import org.mlflow.api.proto.Service.Experiment;
import org.mlflow.api.proto.Service.Metric;
import org.mlflow.api.proto.Service.Param;
import org.mlflow.api.proto.Service.Run;
import org.mlflow.api.proto.Service.RunData;
import org.mlflow.api.proto.Service.RunInfo;
import org.mlflow.api.proto.Service.RunTag;

import java.util.Map;

/**
 * fleetml's records as MLflow's own messages: an experiment, a session's run, a device's nested run, a registered model
 * and its versions. Their params, tags, metrics and statuses are {@link MlflowView}'s; this adds the ids, times and
 * artifact locations. A device run has no times of its own: it carries its session's, and its metrics are stamped
 * with the session's end (its start while it runs), at step 0, each metric's one value.
 */
public final class MlflowRuns {
    /** Who MLflow shows as a run's user. */
    public static final String USER = "fleetml";

    private MlflowRuns() {
    }

    /** The experiment {@code id} named {@code name}; its artifacts are served under {@code mlflow-artifacts:/<id>}. */
    public static Experiment experiment(long id, String name, String createdAt) {
        long created = MlflowView.millis(createdAt);
        return Experiment.newBuilder().setExperimentId(Long.toString(id)).setName(name).setArtifactLocation("mlflow-artifacts:/" + id)
                .setLifecycleStage("active").setCreationTime(created).setLastUpdateTime(created).build();
    }

    /** Where a run's artifacts are, as MLflow's artifact proxy names them. */
    public static String artifactUri(String experimentId, String runId) {
        return "mlflow-artifacts:/" + experimentId + "/" + runId + "/artifacts";
    }

    /** The session's parent run. */
    public static Run session(SessionRecord s, String experimentId) {
        long stamp = stamp(s);
        RunInfo info = RunInfo.newBuilder().setRunId(s.id()).setRunUuid(s.id()).setRunName(s.id()).setExperimentId(experimentId)
                .setUserId(USER).setStatus(MlflowView.status(s.status())).setStartTime(MlflowView.millis(s.startedAt()))
                .setEndTime(MlflowView.millis(s.endedAt())).setArtifactUri(artifactUri(experimentId, s.id())).setLifecycleStage("active").build();
        RunData.Builder data = RunData.newBuilder();
        metrics(data, MlflowView.metrics(s), stamp);
        params(data, MlflowView.params(s));
        tags(data, MlflowView.tags(s));
        return Run.newBuilder().setInfo(info).setData(data).build();
    }

    /**
     * A device's nested run of session {@code s}. {@code params} are the session's ({@link MlflowView#params}), passed
     * in so that a page of a thousand runs computes them once.
     */
    public static Run device(SessionRecord s, String experimentId, Map<String, String> params, TrainOutcome o) {
        String runId = RunIds.nested(s.id(), o.deviceId());
        RunInfo info = RunInfo.newBuilder().setRunId(runId).setRunUuid(runId).setRunName(o.deviceId()).setExperimentId(experimentId)
                .setUserId(USER).setStatus(MlflowView.status(o.status())).setStartTime(MlflowView.millis(s.startedAt()))
                .setEndTime(MlflowView.millis(s.endedAt())).setArtifactUri(artifactUri(experimentId, runId)).setLifecycleStage("active").build();
        RunData.Builder data = RunData.newBuilder();
        metrics(data, MlflowView.deviceMetrics(o), stamp(s));
        params(data, params);
        tags(data, MlflowView.deviceTags(s.id(), s.id(), o));
        return Run.newBuilder().setInfo(info).setData(data).build();
    }

    /** When a run's metrics were logged: the session's end, or its start while it runs. */
    public static long stamp(SessionRecord s) {
        return MlflowView.millis(s.endedAt() != null ? s.endedAt() : s.startedAt());
    }

    private static void metrics(RunData.Builder data, Map<String, Double> metrics, long stamp) {
        metrics.forEach((k, v) -> data.addMetrics(Metric.newBuilder().setKey(k).setValue(v).setTimestamp(stamp).setStep(0)));
    }

    private static void params(RunData.Builder data, Map<String, String> params) {
        params.forEach((k, v) -> data.addParams(Param.newBuilder().setKey(k).setValue(v)));
    }

    private static void tags(RunData.Builder data, Map<String, String> tags) {
        tags.forEach((k, v) -> data.addTags(RunTag.newBuilder().setKey(k).setValue(v == null ? "" : v)));
    }

    /**
     * A registry version: its run is its session's run; its source is the session's models ({@code artifactRoot}, the
     * folder of the session's packs), which is also where {@code get-download-uri} points.
     */
    public static ModelRegistry.ModelVersion version(ModelVersion v, String artifactRoot) {
        long created = MlflowView.millis(v.createdAt());
        ModelRegistry.ModelVersion.Builder b = ModelRegistry.ModelVersion.newBuilder().setName(v.name()).setVersion(Integer.toString(v.version()))
                .setCreationTimestamp(created).setLastUpdatedTimestamp(created).setCurrentStage("None").setRunId(v.sessionId())
                .setStatus(ModelRegistry.ModelVersionStatus.READY);
        if (v.createdBy() != null) {
            b.setUserId(v.createdBy());
        }
        if (v.description() != null) {
            b.setDescription(v.description());
        }
        if (artifactRoot != null) {
            b.setSource(artifactRoot);
        }
        v.aliases().forEach(b::addAliases);
        return b.build();
    }

    /** A registered model, with its latest version ({@code latest}, built by {@link #version}) and its aliases. */
    public static ModelRegistry.RegisteredModel registeredModel(RegisteredModel m, ModelRegistry.ModelVersion latest) {
        long created = MlflowView.millis(m.createdAt());
        ModelRegistry.RegisteredModel.Builder b = ModelRegistry.RegisteredModel.newBuilder().setName(m.name()).setCreationTimestamp(created)
                .setLastUpdatedTimestamp(latest == null ? created : latest.getLastUpdatedTimestamp());
        if (latest != null) {
            b.addLatestVersions(latest);
        }
        m.aliases().forEach((alias, version) -> b.addAliases(ModelRegistry.RegisteredModelAlias.newBuilder().setAlias(alias)
                .setVersion(Integer.toString(version))));
        return b.build();
    }
}
