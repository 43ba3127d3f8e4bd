package io.fleetml.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.fleetml.fleet.FleetMode;
import io.fleetml.fleet.FleetReport;
import io.fleetml.fleet.FleetSpec;
import io.fleetml.train.TrainOutcome;
import io.fleetml.train.TrainSpec;

import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A session's spec, summary and selection as the JSON the store keeps, with Jackson's streaming parser and
 * generator: the object mapper cost a listing command a fifth of a second to start, more than the listing.
 * The field names are the records' component names, as the mapper wrote them in stores made before; unknown
 * fields are skipped and missing ones take their defaults, so stores of other versions read.
 */
final class SessionJson {
    private static final JsonFactory JSON = new JsonFactory();

    private SessionJson() {
    }

    static String spec(TrainSpec spec) {
        return write(g -> {
            g.writeStringField("deviceColumn", spec.deviceColumn());
            strings(g, "features", spec.features());
            g.writeStringField("label", spec.label());
            g.writeStringField("algorithm", spec.algorithm());
            strings(g, "params", spec.params());
            g.writeNumberField("testFraction", spec.testFraction());
            strings(g, "timeColumns", spec.timeColumns());
            g.writeStringField("idColumn", spec.idColumn());
            g.writeNumberField("minRows", spec.minRows());
            g.writeStringField("experiment", spec.experiment());
            if (spec.fleet().enabled()) {
                FleetSpec f = spec.fleet();
                g.writeObjectFieldStart("fleet");
                g.writeStringField("mode", f.mode().name());
                g.writeStringField("algorithm", f.algorithm());
                strings(g, "params", f.params());
                g.writeNumberField("validationFraction", f.validationFraction());
                g.writeNumberField("sampleRows", f.sampleRows());
                g.writeEndObject();
            }
        });
    }

    private static FleetSpec fleet(JsonParser p) throws IOException {
        expect(p, JsonToken.START_OBJECT);
        FleetMode mode = FleetMode.NONE;
        String algorithm = FleetSpec.DEFAULT_ALGORITHM;
        Map<String, String> params = new LinkedHashMap<>();
        double validation = FleetSpec.DEFAULT_VALIDATION;
        long sampleRows = FleetSpec.DEFAULT_SAMPLE_ROWS;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "mode" -> mode = FleetMode.valueOf(p.getValueAsString());
                case "algorithm" -> algorithm = p.getValueAsString();
                case "params" -> params = stringMap(p);
                case "validationFraction" -> validation = real(p);
                case "sampleRows" -> sampleRows = p.getValueAsLong();
                default -> p.skipChildren();
            }
        }
        return new FleetSpec(mode, algorithm, params, validation, sampleRows);
    }

    static TrainSpec spec(String json) throws IOException {
        try (JsonParser p = object(json)) {
            String deviceColumn = null, label = null, algorithm = null, idColumn = null, experiment = "default";
            List<String> features = List.of(), timeColumns = List.of();
            Map<String, String> params = new LinkedHashMap<>();
            double testFraction = 0.2;
            int minRows = 10;
            FleetSpec fleet = FleetSpec.NONE;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "deviceColumn" -> deviceColumn = p.getValueAsString();
                    case "features" -> features = strings(p);
                    case "label" -> label = p.getValueAsString();
                    case "algorithm" -> algorithm = p.getValueAsString();
                    case "params" -> params = stringMap(p);
                    case "testFraction" -> testFraction = real(p);
                    case "timeColumns" -> timeColumns = strings(p);
                    case "idColumn" -> idColumn = p.getValueAsString();
                    case "minRows" -> minRows = p.getValueAsInt();
                    case "experiment" -> experiment = p.getValueAsString();
                    case "fleet" -> fleet = fleet(p);
                    default -> p.skipChildren();
                }
            }
            return new TrainSpec(deviceColumn, features, label, algorithm, params, testFraction, timeColumns, idColumn, minRows, experiment,
                    fleet);
        }
    }

    static String summary(SessionSummary s) {
        return write(g -> {
            g.writeNumberField("ok", s.ok());
            g.writeNumberField("failed", s.failed());
            g.writeNumberField("skipped", s.skipped());
            g.writeNumberField("inherited", s.inherited());
            g.writeNumberField("rowsUsed", s.rowsUsed());
            real(g, "mseP50", s.mseP50());
            real(g, "mseP90", s.mseP90());
            real(g, "mseMax", s.mseMax());
            real(g, "r2P10", s.r2P10());
            real(g, "r2P50", s.r2P50());
            g.writeArrayFieldStart("worst");
            for (SessionSummary.WorstDevice w : s.worst()) {
                g.writeStartObject();
                g.writeStringField("deviceId", w.deviceId());
                real(g, "mse", w.mse());
                real(g, "r2", w.r2());
                g.writeEndObject();
            }
            g.writeEndArray();
            real(g, "seconds", s.seconds());
        });
    }

    static SessionSummary summary(String json) throws IOException {
        try (JsonParser p = object(json)) {
            long ok = 0, failed = 0, skipped = 0, inherited = 0, rowsUsed = 0;
            double mseP50 = Double.NaN, mseP90 = Double.NaN, mseMax = Double.NaN, r2P10 = Double.NaN, r2P50 = Double.NaN, seconds = Double.NaN;
            List<SessionSummary.WorstDevice> worst = new ArrayList<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "ok" -> ok = p.getValueAsLong();
                    case "failed" -> failed = p.getValueAsLong();
                    case "skipped" -> skipped = p.getValueAsLong();
                    case "inherited" -> inherited = p.getValueAsLong();
                    case "rowsUsed" -> rowsUsed = p.getValueAsLong();
                    case "mseP50" -> mseP50 = real(p);
                    case "mseP90" -> mseP90 = real(p);
                    case "mseMax" -> mseMax = real(p);
                    case "r2P10" -> r2P10 = real(p);
                    case "r2P50" -> r2P50 = real(p);
                    case "seconds" -> seconds = real(p);
                    case "worst" -> {
                        expect(p, JsonToken.START_ARRAY);
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            String device = null;
                            double mse = Double.NaN, r2 = Double.NaN;
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String name = p.currentName();
                                p.nextToken();
                                switch (name) {
                                    case "deviceId" -> device = p.getValueAsString();
                                    case "mse" -> mse = real(p);
                                    case "r2" -> r2 = real(p);
                                    default -> p.skipChildren();
                                }
                            }
                            worst.add(new SessionSummary.WorstDevice(device, mse, r2));
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            return new SessionSummary(ok, failed, skipped, inherited, rowsUsed, mseP50, mseP90, mseMax, r2P10, r2P50, worst, seconds);
        }
    }

    static String selection(DeviceSelection s) {
        return write(g -> {
            strings(g, "statuses", s.statuses().stream().map(Enum::name).sorted().toList());
            strings(g, "devices", s.devices());
        });
    }

    static DeviceSelection selection(String json) throws IOException {
        try (JsonParser p = object(json)) {
            Set<TrainOutcome.Status> statuses = EnumSet.noneOf(TrainOutcome.Status.class);
            List<String> devices = List.of();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "statuses" -> strings(p).forEach(name -> statuses.add(TrainOutcome.Status.valueOf(name)));
                    case "devices" -> devices = strings(p);
                    default -> p.skipChildren();
                }
            }
            return new DeviceSelection(statuses, devices);
        }
    }

    static String fleet(FleetReport f) {
        return write(g -> {
            g.writeStringField("mode", f.mode().name());
            g.writeStringField("algorithm", f.algorithm());
            strings(g, "params", f.params());
            g.writeStringField("modelUri", f.modelUri());
            g.writeNumberField("sampleRows", f.sampleRows());
            g.writeNumberField("quota", f.quota());
            if (f.stacker() != null) {
                g.writeArrayFieldStart("stacker");
                for (double w : f.stacker()) {
                    g.writeNumber(w);
                }
                g.writeEndArray();
            }
            g.writeObjectFieldStart("chosen");
            for (Map.Entry<String, Long> c : f.chosen().entrySet()) {
                g.writeNumberField(c.getKey(), c.getValue());
            }
            g.writeEndObject();
            g.writeArrayFieldStart("table");
            for (FleetReport.Row r : f.table()) {
                g.writeStartObject();
                g.writeStringField("model", r.model());
                g.writeStringField("scope", r.scope());
                g.writeNumberField("devices", r.devices());
                g.writeNumberField("rows", r.rows());
                real(g, "mse", r.mse());
                real(g, "medianMse", r.medianMse());
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    /** A session's fleet models, read with the streaming parser: a listing should not start Jackson's object mapper. */
    static FleetReport fleet(String json) throws IOException {
        try (JsonParser p = object(json)) {
            FleetMode mode = FleetMode.FALLBACK;
            String algorithm = null, modelUri = null;
            Map<String, String> params = new LinkedHashMap<>();
            long sampleRows = 0, quota = 0;
            double[] stacker = null;
            Map<String, Long> chosen = new LinkedHashMap<>();
            List<FleetReport.Row> table = new ArrayList<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "mode" -> mode = FleetMode.valueOf(p.getValueAsString());
                    case "algorithm" -> algorithm = p.getValueAsString();
                    case "modelUri" -> modelUri = p.getValueAsString();
                    case "sampleRows" -> sampleRows = p.getValueAsLong();
                    case "quota" -> quota = p.getValueAsLong();
                    case "params" -> params = stringMap(p);
                    case "chosen" -> {
                        expect(p, JsonToken.START_OBJECT);
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String name = p.currentName();
                            p.nextToken();
                            chosen.put(name, p.getValueAsLong());
                        }
                    }
                    case "stacker" -> {
                        if (p.currentToken() == JsonToken.START_ARRAY) {
                            List<Double> w = new ArrayList<>();
                            while (p.nextToken() != JsonToken.END_ARRAY) {
                                w.add(real(p));
                            }
                            stacker = w.stream().mapToDouble(Double::doubleValue).toArray();
                        }
                    }
                    case "table" -> {
                        expect(p, JsonToken.START_ARRAY);
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            table.add(row(p));
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            return new FleetReport(mode, algorithm, params, modelUri, sampleRows, quota, stacker, chosen, table);
        }
    }

    /** One row of a fleet session's comparison table; the parser is at its start. */
    private static FleetReport.Row row(JsonParser p) throws IOException {
        String model = null, scope = null;
        long devices = 0, rows = 0;
        double mse = Double.NaN, median = Double.NaN;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            switch (name) {
                case "model" -> model = p.getValueAsString();
                case "scope" -> scope = p.getValueAsString();
                case "devices" -> devices = p.getValueAsLong();
                case "rows" -> rows = p.getValueAsLong();
                case "mse" -> mse = real(p);
                case "medianMse" -> median = real(p);
                default -> p.skipChildren();
            }
        }
        return new FleetReport.Row(model, scope, devices, rows, mse, median);
    }

    private interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    private static String write(Fields fields) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            fields.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    /** NaN and infinities as strings, as Jackson's object mapper wrote them. */
    private static void real(JsonGenerator g, String name, double v) throws IOException {
        if (Double.isFinite(v)) {
            g.writeNumberField(name, v);
        } else {
            g.writeStringField(name, String.valueOf(v));
        }
    }

    private static double real(JsonParser p) throws IOException {
        return switch (p.currentToken()) {
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_STRING -> Double.parseDouble(p.getText());
            default -> Double.NaN;
        };
    }

    private static void strings(JsonGenerator g, String name, List<String> values) throws IOException {
        g.writeArrayFieldStart(name);
        for (String v : values) {
            g.writeString(v);
        }
        g.writeEndArray();
    }

    private static void strings(JsonGenerator g, String name, Map<String, String> values) throws IOException {
        g.writeObjectFieldStart(name);
        for (Map.Entry<String, String> v : values.entrySet()) {
            g.writeStringField(v.getKey(), v.getValue());
        }
        g.writeEndObject();
    }

    /** An object of strings, in its order. */
    private static Map<String, String> stringMap(JsonParser p) throws IOException {
        expect(p, JsonToken.START_OBJECT);
        Map<String, String> out = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            out.put(name, p.getValueAsString());
        }
        return out;
    }

    private static List<String> strings(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return List.of();
        }
        expect(p, JsonToken.START_ARRAY);
        List<String> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            out.add(p.getText());
        }
        return out;
    }

    private static JsonParser object(String json) throws IOException {
        JsonParser p = JSON.createParser(json);
        p.nextToken();
        expect(p, JsonToken.START_OBJECT);
        return p;
    }

    private static void expect(JsonParser p, JsonToken token) throws IOException {
        if (p.currentToken() != token) {
            throw new IOException("expected " + token + " at " + p.currentLocation() + ", found " + p.currentToken());
        }
    }
}
