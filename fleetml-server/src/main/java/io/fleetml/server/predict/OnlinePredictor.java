package io.fleetml.server.predict;

import io.fleetml.data.DeviceFrame;
import io.fleetml.registry.ModelName;
import io.fleetml.registry.ModelRegistry;
import io.fleetml.registry.ModelVersion;
import io.fleetml.resolve.ModelRef;
import io.fleetml.server.ApiException;
import io.fleetml.server.ErrorCode;
import io.fleetml.train.TrainSpec;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Predicts a request's rows with a registered version. The version is resolved once, as the request starts: moving an
 * alias meanwhile changes the next request, never half of this one. Rows are grouped by device, and each device's rows
 * go to the model that answers for it as one frame, through the same scoring (and cache) as batch scoring.
 */
public final class OnlinePredictor {
    private final ModelRegistry registry;
    private final ServedVersions versions;
    private final int maxRows;

    public OnlinePredictor(ModelRegistry registry, ServedVersions versions, int maxRows) {
        this.registry = registry;
        this.versions = versions;
        this.maxRows = maxRows;
    }

    public Predictions predict(ModelName ref, byte[] body) {
        // asked of the store every request: an alias moved by the CLI in another process counts at once (the registry
        // answers from what it resolved while the store's data_version stands still, one tiny query)
        ModelVersion version = registry.version(ref);
        ServedVersion served = versions.get(version.sessionId());
        TrainSpec spec = served.session().spec();
        PredictRows rows = PredictRows.parse(body, spec.deviceColumn(), spec.features(), maxRows);

        Map<String, List<Integer>> byDevice = new LinkedHashMap<>();
        for (int r = 0; r < rows.size(); r++) {
            byDevice.computeIfAbsent(rows.devices()[r], d -> new ArrayList<>()).add(r);
        }
        Map<String, ModelRef> refs = new LinkedHashMap<>();
        for (String device : byDevice.keySet()) {
            ModelRef model = served.models().resolve(device);
            if (model == null) {
                throw ApiException.notFound("device '" + abbreviate(device) + "' has no model in " + version.ref() + " (session "
                        + version.sessionId() + "), and the session has no fleet model to answer for devices it does not know");
            }
            refs.put(device, model);
        }

        double[] predictions = new double[rows.size()];
        String[] kinds = new String[rows.size()];
        int features = spec.features().size();
        for (var e : byDevice.entrySet()) {
            List<Integer> index = e.getValue();
            double[][] columns = new double[features][index.size()];
            long[] ids = new long[index.size()];
            for (int i = 0; i < index.size(); i++) {
                int r = index.get(i);
                ids[i] = r;
                double[] v = rows.values()[r];
                for (int f = 0; f < features; f++) {
                    columns[f][i] = v[f];
                }
            }
            DeviceFrame frame = new DeviceFrame(e.getKey(), spec.features(), columns, null, ids).infinityAsMissing();
            ModelRef model = refs.get(e.getKey());
            double[] p;
            try {
                p = served.scoring().predict(model, frame);
            } catch (IOException | RuntimeException | LinkageError ex) {
                throw new ApiException(ErrorCode.INTERNAL, "the model of device '" + abbreviate(e.getKey()) + "' in " + version.ref()
                        + " cannot be read: " + String.valueOf(ex.getMessage()).lines().findFirst().orElse(""));
            }
            String kind = model.kind().label();
            for (int i = 0; i < index.size(); i++) {
                predictions[index.get(i)] = p[i];
                kinds[index.get(i)] = kind;
            }
        }
        return new Predictions(version, rows.devices(), predictions, kinds);
    }

    private static String abbreviate(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "…" : s;
    }
}
