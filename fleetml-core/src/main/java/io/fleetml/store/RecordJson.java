package io.fleetml.store;

import com.fasterxml.jackson.core.JsonGenerator;
import io.fleetml.fleet.FleetOutcome;
import io.fleetml.fleet.FleetReport;
import io.fleetml.train.TrainOutcome;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sessions and device runs as JSON for scripts and the HTTP API, one shape for both: snake_case keys, metrics as
 * numbers or null (JSON has no NaN). Sessions as maps an object mapper writes; device runs written straight to a
 * generator, so that a listing streams however many devices it has. (The store's own columns use {@link SessionJson}.)
 */
public final class RecordJson {

    private RecordJson() {
    }

    public static Map<String, Object> session(SessionRecord s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("session_id", s.id());
        m.put("experiment", s.experiment());
        m.put("status", s.status().name());
        m.put("started_at", s.startedAt());
        m.put("ended_at", s.endedAt());
        m.put("engine", s.engine());
        m.put("device_column", s.spec().deviceColumn());
        m.put("features", s.spec().features());
        m.put("label", s.spec().label());
        m.put("algorithm", s.spec().algorithm());
        m.put("params", s.spec().params());
        m.put("test_fraction", s.spec().testFraction());
        m.put("time_columns", s.spec().timeColumns());
        m.put("id_column", s.spec().idColumn());
        m.put("min_rows", s.spec().minRows());
        m.put("data_source", s.dataSource());
        m.put("data_location", s.dataLocation());
        m.put("n_rows", s.nRows());
        m.put("n_devices", s.nDevices());
        m.put("device_ids", s.deviceIds().name());
        m.put("artifact_root", s.artifactRoot());
        m.put("retrained_from", s.parent());
        if (s.selection() != null) {
            m.put("retrained_statuses", s.selection().statuses().stream().map(Enum::name).sorted().toList());
            m.put("retrained_devices", s.selection().devices());
        }
        m.put("summary", s.summary() == null ? null : summary(s.summary()));
        if (s.fleet() != null) {
            FleetReport f = s.fleet();
            Map<String, Object> fleet = new LinkedHashMap<>();
            fleet.put("mode", f.mode().label());
            fleet.put("algorithm", f.algorithm());
            fleet.put("params", f.params());
            fleet.put("model_uri", f.modelUri());
            fleet.put("validation_fraction", s.spec().fleet().validationFraction());
            fleet.put("sample_rows", f.sampleRows());
            fleet.put("quota", f.quota());
            fleet.put("stacker", f.stacker());
            fleet.put("chosen", f.chosen());
            fleet.put("test_mse", f.table().stream().map(r -> {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("model", r.model());
                row.put("scope", r.scope());
                row.put("devices", r.devices());
                row.put("rows", r.rows());
                row.put("mse", number(r.mse()));
                row.put("median_mse", number(r.medianMse()));
                return row;
            }).toList());
            m.put("fleet", fleet);
        }
        m.put("error", s.error());
        m.put("owner", s.owner() == null ? null : s.owner().toString());
        m.put("heartbeat_at", s.heartbeatAt());
        return m;
    }

    public static Map<String, Object> summary(SessionSummary s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ok", s.ok());
        m.put("failed", s.failed());
        m.put("skipped", s.skipped());
        m.put("inherited", s.inherited());
        m.put("rows_used", s.rowsUsed());
        m.put("mse_p50", number(s.mseP50()));
        m.put("mse_p90", number(s.mseP90()));
        m.put("mse_max", number(s.mseMax()));
        m.put("r2_p10", number(s.r2P10()));
        m.put("r2_p50", number(s.r2P50()));
        m.put("worst", s.worst().stream().map(w -> Map.of("device_id", w.deviceId(), "mse", w.mse(), "r2", w.r2())).toList());
        m.put("seconds", s.seconds());
        return m;
    }

    /** A device run as one object. */
    public static void device(JsonGenerator g, TrainOutcome o) throws IOException {
        g.writeStartObject();
        deviceFields(g, o);
        g.writeEndObject();
    }

    /** A device run's fields, into an object the caller opened (and may add to). */
    public static void deviceFields(JsonGenerator g, TrainOutcome o) throws IOException {
        g.writeStringField("device_id", o.deviceId());
        g.writeStringField("status", o.status().name());
        g.writeNumberField("n_rows", o.nRows());
        g.writeNumberField("n_used", o.nUsed());
        g.writeNumberField("n_test", o.nTest());
        g.writeNumberField("n_dropped", o.nDropped());
        number(g, "mse", o.holdout().mse());
        number(g, "rmse", o.holdout().rmse());
        number(g, "mae", o.holdout().mae());
        number(g, "r2", o.holdout().r2());
        number(g, "train_mse", o.trainMse());
        g.writeStringField("model_uri", o.modelUri());
        g.writeStringField("error", o.error());
        g.writeNumberField("train_ms", o.trainMs());
        g.writeStringField("trained_in", o.trainedIn());
        FleetOutcome f = o.fleet();
        if (f != null) {
            g.writeStringField("chosen", f.chosen() == null ? null : f.chosen().label());
            number(g, "fleet_mse", f.fleet().mse());
            number(g, "fleet_r2", f.fleet().r2());
            number(g, "hierarchical_mse", f.hierarchical().mse());
            number(g, "hierarchical_r2", f.hierarchical().r2());
            number(g, "stack_mse", f.stack().mse());
            number(g, "stack_r2", f.stack().r2());
        }
    }

    public static void number(JsonGenerator g, String name, double v) throws IOException {
        if (Double.isFinite(v)) {
            g.writeNumberField(name, v);
        } else {
            g.writeNullField(name);
        }
    }

    public static Double number(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** A registered model with its versions, each with its session at a glance. */
    public static Map<String, Object> registeredModel(io.fleetml.registry.RegisteredModel m, TrackingStore tracking) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", m.name());
        out.put("created_at", m.createdAt());
        out.put("aliases", m.aliases());
        out.put("latest_version", m.versions().isEmpty() ? null : m.latest().version());
        out.put("versions", m.versions().stream().map(v -> modelVersion(v, tracking)).toList());
        return out;
    }

    /** A registered version: what it was made from, by whom, and its session at a glance. */
    public static Map<String, Object> modelVersion(io.fleetml.registry.ModelVersion v, TrackingStore tracking) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", v.name());
        out.put("version", v.version());
        out.put("session_id", v.sessionId());
        out.put("aliases", v.aliases());
        out.put("lineage", v.lineage());
        out.put("created_by", v.createdBy());
        out.put("created_at", v.createdAt());
        out.put("description", v.description());
        out.put("session", tracking.session(v.sessionId()).map(RecordJson::glance).orElse(null));
        return out;
    }

    /** A version's session at a glance: devices ok and failed, median holdout MSE and R². */
    private static Map<String, Object> glance(SessionRecord s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", s.status().name());
        out.put("experiment", s.experiment());
        out.put("algorithm", s.spec().algorithm());
        out.put("fleet", s.fleet() == null ? null : s.fleet().mode().label());
        out.put("device_column", s.spec().deviceColumn());
        out.put("features", s.spec().features());
        out.put("n_devices", s.nDevices());
        SessionSummary m = s.summary();
        out.put("devices_ok", m == null ? null : m.ok());
        out.put("devices_failed", m == null ? null : m.failed());
        out.put("devices_skipped", m == null ? null : m.skipped());
        out.put("mse_p50", m == null ? null : number(m.mseP50()));
        out.put("r2_p50", m == null ? null : number(m.r2P50()));
        return out;
    }
}
