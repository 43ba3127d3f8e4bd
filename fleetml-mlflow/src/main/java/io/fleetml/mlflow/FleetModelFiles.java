package io.fleetml.mlflow;

import io.fleetml.data.DeviceIdType;
import io.fleetml.store.DeviceQuery;
import io.fleetml.store.ModelUri;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.TrackingStore;
import io.fleetml.train.TrainOutcome;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;

/**
 * A session's models as one MLflow model directory with a {@code python_function} flavor:
 *
 * <pre>
 * MLmodel                      flavors.python_function: loader_module fleetml_pyfunc, code code/, data data/
 * code/fleetml_pyfunc.py       the loader: routes each row to its device's model
 * data/fleet.json              the session, its device column and features
 * data/devices.csv             device_id, pack, entry: where each device's model is
 * data/packs/SESSION/PACK.zip  the model packs, as the store has them (a retrained session's include its parent's)
 * requirements.txt, python_env.yaml, conda.yaml
 * </pre>
 *
 * Device ids are data: they appear inside {@code devices.csv} and as the (percent-encoded) entries inside the packs,
 * never as a file name. Pack file names come from the store and are checked.
 */
final class FleetModelFiles {
    static final String LOADER = "fleetml_pyfunc";

    private FleetModelFiles() {
    }

    /**
     * Writes the model directory {@code dir} (packs excepted) for {@code session}.
     *
     * @return the packs to upload: their path in the model directory ({@code data/packs/...}) and their local file
     */
    static Map<String, Path> write(Path dir, SessionRecord session, TrackingStore tracking, String runId, java.util.List<String> warnings)
            throws IOException {
        Files.createDirectories(dir.resolve("data"));
        Map<String, String> packNames = new LinkedHashMap<>(); // pack URI -> packs/<session>/<file>
        Map<String, Path> packs = new LinkedHashMap<>();
        TreeSet<String> elsewhere = new TreeSet<>();
        long[] rows = {0};
        try (Writer index = Files.newBufferedWriter(dir.resolve("data/devices.csv"), StandardCharsets.UTF_8)) {
            index.write("device_id,pack,entry\n");
            tracking.forEachDevice(session.id(), DeviceQuery.ALL, o -> {
                if (o.status() != TrainOutcome.Status.OK || o.modelUri() == null || !ModelUri.inPack(o.modelUri())) {
                    return;
                }
                String packUri = ModelUri.packOf(o.modelUri());
                String name = packNames.get(packUri);
                if (name == null) {
                    URI uri = URI.create(packUri);
                    if (!"file".equals(uri.getScheme())) {
                        elsewhere.add(uri.getScheme() + ":");
                        return;
                    }
                    Path file = Path.of(uri);
                    String folder = file.getParent() == null ? "pack" : file.getParent().getFileName().toString();
                    String base = file.getFileName().toString();
                    name = "packs/" + (MlflowExport.safeName(folder) ? folder : "session") + "/"
                            + (MlflowExport.safeName(base) ? base : "pack-" + packNames.size() + ".zip");
                    if (packs.containsKey("data/" + name)) {
                        name = name.replaceFirst("\\.zip$", "") + "-" + packNames.size() + ".zip";
                    }
                    packNames.put(packUri, name);
                    packs.put("data/" + name, file);
                }
                try {
                    index.write(csv(o.deviceId()) + "," + csv(name) + "," + csv(ModelUri.parse(o.modelUri()).entryPrefix()) + "\n");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                rows[0]++;
            });
        }
        if (!elsewhere.isEmpty()) {
            warnings.add("models kept on " + String.join(", ", elsewhere) + " are not in the exported fleet model (only a local store's packs "
                    + "are uploaded); their devices predict NaN there");
        }
        boolean trees = !session.spec().algorithm().equals("linear");
        MlflowExport.write(dir.resolve("data/fleet.json"), fleetJson(session, rows[0]));
        try (InputStream loader = FleetModelFiles.class.getResourceAsStream(LOADER + ".py")) {
            Files.createDirectories(dir.resolve("code"));
            Files.write(dir.resolve("code/" + LOADER + ".py"), loader.readAllBytes());
        }
        String requirements = "mlflow\nnumpy\npandas\n" + (trees ? "xgboost>=1.7\n" : "");
        MlflowExport.write(dir.resolve("requirements.txt"), requirements);
        MlflowExport.write(dir.resolve("python_env.yaml"), "python: \"3.11\"\nbuild_dependencies:\n  - pip\ndependencies:\n  - -r requirements.txt\n");
        StringBuilder conda = new StringBuilder("name: fleetml_env\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - pip\n  - pip:\n");
        requirements.lines().forEach(r -> conda.append("    - ").append(r).append('\n'));
        MlflowExport.write(dir.resolve("conda.yaml"), conda.toString());
        MlflowExport.write(dir.resolve("MLmodel"), mlmodel(session, runId));
        return packs;
    }

    static String mlmodel(SessionRecord session, String runId) {
        return "artifact_path: " + MlflowExport.MODEL_PATH + "\n"
                + "flavors:\n"
                + "  python_function:\n"
                + "    code: code\n"
                + "    data: data\n"
                + "    env:\n"
                + "      conda: conda.yaml\n"
                + "      virtualenv: python_env.yaml\n"
                + "    loader_module: " + LOADER + "\n"
                + "    python_version: 3.11.2\n"
                + "metadata:\n"
                + "  fleetml_session_id: " + yaml(session.id()) + "\n"
                + "  fleetml_version: " + yaml(MlflowView.version()) + "\n"
                + "  fleetml_algorithm: " + yaml(session.spec().algorithm()) + "\n"
                + "mlflow_version: 2.17.2\n"
                + "model_uuid: " + UUID.randomUUID().toString().replace("-", "") + "\n"
                + "run_id: " + runId + "\n"
                + "utc_time_created: '" + MlflowExport.now().replace('T', ' ').replace("Z", "") + "'\n";
    }

    private static String fleetJson(SessionRecord session, long devices) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("format", 1);
        doc.put("session_id", session.id());
        doc.put("algorithm", session.spec().algorithm());
        doc.put("device_column", session.spec().deviceColumn());
        doc.put("label", session.spec().label());
        doc.put("features", session.spec().features());
        doc.put("device_ids", session.deviceIds() == DeviceIdType.INTEGER ? "integer" : "text");
        doc.put("devices_with_model", devices);
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(doc) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A YAML scalar in single quotes. */
    private static String yaml(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    /** A CSV field, quoted when it holds a comma, quote or line break. */
    static String csv(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }
}
