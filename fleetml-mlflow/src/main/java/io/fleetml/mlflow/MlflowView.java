package io.fleetml.mlflow;

import io.fleetml.fleet.FleetReport;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.SessionStatus;
import io.fleetml.store.SessionSummary;
import io.fleetml.train.Metrics;
import io.fleetml.train.TrainOutcome;
import org.mlflow.api.proto.Service.RunStatus;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a session and its device runs say as an MLflow run: params, tags, metrics, status and times. Exporting a
 * session and serving MLflow's API both read them here, so a run looks the same whichever way it reached MLflow.
 *
 * <p>Keys keep to what MLflow accepts (letters, digits, {@code _ - . /} and spaces); values that are not finite are
 * left out, as MLflow's stores differ in what they do with NaN.
 */
public final class MlflowView {
    /** The tag naming the parent run of a nested run (MLflow's own). */
    public static final String PARENT_RUN_ID = "mlflow.parentRunId";
    /** The tag MLflow shows as a run's name. */
    public static final String RUN_NAME = "mlflow.runName";
    /** The tags that find a session's and a device's runs again (a re-run export completes instead of duplicating). */
    public static final String SESSION_TAG = "fleetml.session_id";
    public static final String DEVICE_TAG = "fleetml.device_id";
    /** MLflow caps a param's value at 6,000 characters (2.x); a longer one is cut and says so. */
    static final int MAX_PARAM = 6000;

    private MlflowView() {
    }

    /** The session's spec: algorithm and its parameters, features, label, holdout, device column. */
    public static Map<String, String> params(SessionRecord s) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("algorithm", s.spec().algorithm());
        s.spec().params().forEach((k, v) -> p.put(k, String.valueOf(v)));
        p.put("features", String.join(",", s.spec().features()));
        p.put("label", s.spec().label());
        p.put("device_column", s.spec().deviceColumn());
        p.put("test_fraction", String.valueOf(s.spec().testFraction()));
        p.put("min_rows", String.valueOf(s.spec().minRows()));
        if (s.fleet() != null) {
            p.put("fleet.mode", s.fleet().mode().label());
            p.put("fleet.algorithm", s.fleet().algorithm());
        }
        p.replaceAll((k, v) -> v.length() > MAX_PARAM ? v.substring(0, MAX_PARAM - 20) + "… (" + v.length() + " chars)" : v);
        return p;
    }

    /** Where the session came from: its id, fleetml's version, the data, the engine, the session it retrained. */
    public static Map<String, String> tags(SessionRecord s) {
        Map<String, String> t = new LinkedHashMap<>();
        t.put(RUN_NAME, s.id());
        t.put(SESSION_TAG, s.id());
        t.put("fleetml.version", version());
        t.put("fleetml.data_source", s.dataSource());
        t.put("fleetml.engine", s.engine());
        t.put("mlflow.source.name", "fleetml");
        if (s.parent() != null) {
            t.put("fleetml.retrained_from", s.parent());
        }
        return t;
    }

    /** The summary: device counts, median and p90 of each metric, and each fleet model's test MSE. */
    public static Map<String, Double> metrics(SessionRecord s) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("devices", (double) s.nDevices());
        m.put("rows", (double) s.nRows());
        SessionSummary sum = s.summary();
        if (sum != null) {
            m.put("devices_ok", (double) sum.ok());
            m.put("devices_failed", (double) sum.failed());
            m.put("devices_skipped", (double) sum.skipped());
            m.put("rows_used", (double) sum.rowsUsed());
            put(m, "mse_p50", sum.mseP50());
            put(m, "mse_p90", sum.mseP90());
            put(m, "mse_max", sum.mseMax());
            put(m, "r2_p50", sum.r2P50());
            put(m, "r2_p10", sum.r2P10());
            put(m, "seconds", sum.seconds());
        }
        FleetReport f = s.fleet();
        if (f != null) {
            for (FleetReport.Row r : f.table()) {
                String key = "fleet." + key(r.model()) + "." + key(r.scope());
                put(m, key + ".mse", r.mse());
                put(m, key + ".median_mse", r.medianMse());
                m.put(key + ".devices", (double) r.devices());
            }
            if (f.chosen() != null) {
                f.chosen().forEach((model, n) -> m.put("fleet.chosen." + key(model), (double) n));
            }
        }
        return m;
    }

    /** A device's nested run: its metrics, and the fleet models' on it. */
    public static Map<String, Double> deviceMetrics(TrainOutcome o) {
        Map<String, Double> m = new LinkedHashMap<>();
        Metrics h = o.holdout();
        put(m, "mse", h.mse());
        put(m, "rmse", h.rmse());
        put(m, "mae", h.mae());
        put(m, "r2", h.r2());
        put(m, "train_mse", o.trainMse());
        m.put("n_rows", (double) o.nRows());
        m.put("n_used", (double) o.nUsed());
        m.put("n_test", (double) o.nTest());
        m.put("n_dropped", (double) o.nDropped());
        put(m, "train_ms", o.trainMs());
        if (o.fleet() != null) {
            for (Map.Entry<String, Metrics> e : fleetMetrics(o).entrySet()) {
                if (e.getValue() != null) {
                    put(m, e.getKey() + "_mse", e.getValue().mse());
                    put(m, e.getKey() + "_r2", e.getValue().r2());
                }
            }
        }
        return m;
    }

    private static Map<String, Metrics> fleetMetrics(TrainOutcome o) {
        Map<String, Metrics> m = new LinkedHashMap<>();
        m.put("fleet", o.fleet().fleet());
        m.put("hier", o.fleet().hierarchical());
        m.put("stack", o.fleet().stack());
        return m;
    }

    /** A device's nested run's tags, under the parent run {@code parentRunId}. */
    public static Map<String, String> deviceTags(String sessionId, String parentRunId, TrainOutcome o) {
        Map<String, String> t = new LinkedHashMap<>();
        t.put(PARENT_RUN_ID, parentRunId);
        t.put(RUN_NAME, o.deviceId());
        t.put(SESSION_TAG, sessionId);
        t.put(DEVICE_TAG, o.deviceId());
        t.put("fleetml.status", o.status().name());
        if (o.error() != null) {
            t.put("fleetml.error", o.error().length() > 5000 ? o.error().substring(0, 5000) + "…" : o.error());
        }
        if (o.fleet() != null && o.fleet().chosen() != null) {
            t.put("fleetml.chosen", o.fleet().chosen().label());
        }
        if (o.trainedIn() != null) {
            t.put("fleetml.trained_in", o.trainedIn());
        }
        return t;
    }

    /** A session's status as an MLflow run's: an interrupted session was killed. */
    public static RunStatus status(SessionStatus s) {
        return switch (s) {
            case RUNNING -> RunStatus.RUNNING;
            case FINISHED -> RunStatus.FINISHED;
            case FAILED -> RunStatus.FAILED;
            case INTERRUPTED -> RunStatus.KILLED;
        };
    }

    /** A device run's status: a skipped device is a failed run (no model), with its reason in a tag. */
    public static RunStatus status(TrainOutcome.Status s) {
        return s == TrainOutcome.Status.OK ? RunStatus.FINISHED : RunStatus.FAILED;
    }

    /** An ISO-8601 instant in milliseconds since the epoch, as MLflow keeps times; 0 for none. */
    public static long millis(String isoInstant) {
        return isoInstant == null ? 0 : Instant.parse(isoInstant).toEpochMilli();
    }

    /** fleetml's version, from the jar; {@code dev} when run from classes. */
    public static String version() {
        String v = MlflowView.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private static void put(Map<String, Double> m, String key, double v) {
        if (Double.isFinite(v)) {
            m.put(key, v);
        }
    }

    /** A name as a metric key part: what MLflow accepts, anything else as {@code _}. */
    static String key(String name) {
        return name.replaceAll("[^A-Za-z0-9_\\-./ ]", "_");
    }
}
