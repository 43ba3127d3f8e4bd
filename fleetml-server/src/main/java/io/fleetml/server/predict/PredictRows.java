package io.fleetml.server.predict;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.fleetml.server.ApiException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The rows of a prediction request, {@code {"rows": [{"<device column>": "7", "<feature>": 0.1, ...}, ...]}}, read
 * with the streaming parser against the version's device column and features. Keys other than those are ignored.
 * A feature's {@code null} is a missing value (NaN), as an empty cell is in a data file; a missing key, a value that
 * is not a number, or a row without a device id is refused, naming the row and the key.
 *
 * @param devices the device id of each row, as text
 * @param values  each row's features, in the order of the version's features
 */
public record PredictRows(String[] devices, double[][] values) {
    private static final JsonFactory JSON = new JsonFactory();

    public int size() {
        return devices.length;
    }

    /**
     * @throws ApiException BAD_REQUEST for malformed rows, PAYLOAD_TOO_LARGE for more than {@code maxRows}
     */
    public static PredictRows parse(byte[] body, String deviceColumn, List<String> features, int maxRows) {
        Map<String, Integer> index = new HashMap<>();
        for (int f = 0; f < features.size(); f++) {
            index.put(features.get(f), f);
        }
        List<String> devices = new ArrayList<>();
        List<double[]> values = new ArrayList<>();
        boolean sawRows = false;
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw ApiException.badRequest("the body must be a JSON object: {\"rows\": [{\"" + deviceColumn + "\": ..., \"" + features.get(0)
                        + "\": ...}, ...]}");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (!field.equals("rows")) {
                    p.skipChildren();
                    continue;
                }
                if (t != JsonToken.START_ARRAY) {
                    throw ApiException.badRequest("'rows' must be an array of objects");
                }
                sawRows = true;
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    int row = devices.size();
                    if (row >= maxRows) {
                        throw ApiException.tooLarge("more than " + maxRows + " rows in one request; send them in several");
                    }
                    if (t != JsonToken.START_OBJECT) {
                        throw ApiException.badRequest("row " + row + " is not a JSON object");
                    }
                    double[] v = new double[features.size()];
                    boolean[] seen = new boolean[features.size()];
                    String device = null;
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String key = p.currentName();
                        JsonToken value = p.nextToken();
                        if (key.equals(deviceColumn)) {
                            device = deviceId(p, value, row, deviceColumn);
                            continue;
                        }
                        Integer f = index.get(key);
                        if (f == null) {
                            p.skipChildren();
                            continue;
                        }
                        seen[f] = true;
                        v[f] = switch (value) {
                            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getDoubleValue();
                            case VALUE_NULL -> Double.NaN;
                            default -> throw ApiException.badRequest("row " + row + ": feature '" + key + "' is " + describe(p, value)
                                    + ", not a number (null for a missing value)");
                        };
                    }
                    if (device == null) {
                        throw ApiException.badRequest("row " + row + " has no device id: give '" + deviceColumn + "'");
                    }
                    for (int f = 0; f < seen.length; f++) {
                        if (!seen[f]) {
                            throw ApiException.badRequest("row " + row + " has no feature '" + features.get(f) + "' (null for a missing value); "
                                    + "the model needs " + String.join(", ", features));
                        }
                    }
                    devices.add(device);
                    values.add(v);
                }
            }
        } catch (IOException e) {
            throw ApiException.badRequest("the body is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (!sawRows) {
            throw ApiException.badRequest("the body has no 'rows': {\"rows\": [{\"" + deviceColumn + "\": ..., ...}, ...]}");
        }
        return new PredictRows(devices.toArray(String[]::new), values.toArray(double[][]::new));
    }

    /** A device id given as text or as a whole number; anything else (null, empty, a fraction, an object) is refused. */
    private static String deviceId(JsonParser p, JsonToken value, int row, String deviceColumn) throws IOException {
        String id = switch (value) {
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getText();
            default -> null;
        };
        if (id == null || id.isEmpty()) {
            throw ApiException.badRequest("row " + row + ": device id '" + deviceColumn + "' is " + describe(p, value)
                    + "; give it as text or a whole number");
        }
        return id;
    }

    private static String describe(JsonParser p, JsonToken value) throws IOException {
        return switch (value) {
            case VALUE_NULL -> "null";
            case VALUE_STRING -> p.getText().isEmpty() ? "empty" : "the text \"" + abbreviate(p.getText()) + "\"";
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            default -> abbreviate(p.getText());
        };
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PredictRows r && Arrays.equals(devices, r.devices) && Arrays.deepEquals(values, r.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(devices);
    }

    @Override
    public String toString() {
        return "PredictRows[" + devices.length + " rows]";
    }
}
