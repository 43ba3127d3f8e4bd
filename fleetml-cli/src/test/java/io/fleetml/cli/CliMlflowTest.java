package io.fleetml.cli;

import io.fleetml.mlflow.MlflowStandIn;
import io.fleetml.mlflow.MlflowView;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mlflow.api.proto.Service.Run;
import org.mlflow.api.proto.Service.RunStatus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** {@code fleetml train --mlflow} and {@code fleetml mlflow export} as a user types them, against the MLflow protocol stand-in. */
class CliMlflowTest {
    @TempDir
    Path dir;

    static final String[] COLUMNS = {"--device-column", "device_id", "--features", "feature_1,feature_2,feature_3", "--label", "label"};

    private Path fleet(int devices) {
        Path data = dir.resolve("fleet.csv");
        Cli gen = Cli.run("generate", "--devices", String.valueOf(devices), "--rows-per-device", "150", "--out", data.toString(), "--seed", "3");
        assertEquals(0, gen.code(), gen.toString());
        return data;
    }

    private static String[] args(String[] head, String... tail) {
        List<String> all = new java.util.ArrayList<>(List.of(head));
        all.addAll(List.of(tail));
        return all.toArray(String[]::new);
    }

    @Test
    void trainWithMlflowExportsTheSessionAndExportingAgainRegistersWithoutDuplicating() throws Exception {
        Path data = fleet(12);
        String store = dir.resolve("store").toString();
        try (MlflowStandIn server = MlflowStandIn.start()) {
            Cli train = Cli.run(args(new String[]{"train", "--data", data.toString()}, args(COLUMNS, "--algorithm", "random_forest", "--param",
                    "n_estimators=20", "--experiment", "pumps", "--mlflow", server.url(), "--store", store)));
            assertEquals(0, train.code(), train.toString());
            String session = CliEndToEndTest.sessionId(train);
            assertTrue(train.out().contains("exported session " + session + " to MLflow at " + server.url() + ", experiment 'pumps'"), train.out());
            assertTrue(train.out().contains("12 created, 0 completed, 0 already there"), train.out());
            assertEquals(13, server.runs().size());
            Run parent = server.runs().get(0);
            assertEquals(session, parent.getInfo().getRunName());
            assertEquals(RunStatus.FINISHED, parent.getInfo().getStatus());
            assertEquals(12, server.children(parent.getInfo().getRunId()).size());

            Cli export = Cli.run("mlflow", "export", "latest", "--tracking-uri", server.url(), "--experiment", "pumps", "--register", "pumps@champion",
                    "--store", store);
            assertEquals(0, export.code(), export.toString());
            assertTrue(export.out().contains("found from an earlier export"), export.out());
            assertTrue(export.out().contains("0 created, 0 completed, 12 already there"), export.out());
            assertTrue(export.out().contains("registered pumps/1 (alias champion)"), export.out());
            assertEquals(13, server.runs().size(), "no duplicates");
            assertEquals("1", server.model("pumps").getAliases(0).getVersion());

            predictionsFromThePyfuncLoaderMatchScore(server, parent, data, store, session);
        }
    }

    @Test
    void aLinearFleetsModelLoadsInPythonToo() throws Exception {
        Path data = fleet(6);
        String store = dir.resolve("store").toString();
        try (MlflowStandIn server = MlflowStandIn.start()) {
            Cli train = Cli.run(args(new String[]{"train", "--data", data.toString()}, args(COLUMNS, "--algorithm", "linear", "--store", store)));
            assertEquals(0, train.code(), train.toString());
            String session = CliEndToEndTest.sessionId(train);
            Cli export = Cli.run("mlflow", "export", session, "--tracking-uri", server.url(), "--nested", "worst:2", "--store", store);
            assertEquals(0, export.code(), export.toString());
            assertTrue(export.out().contains("(--nested worst:2, of 6 devices): 2: 2 created"), export.out());
            Run parent = server.runs().get(0);
            assertNull(MlflowStandIn.tag(parent, MlflowView.DEVICE_TAG));
            predictionsFromThePyfuncLoaderMatchScore(server, parent, data, store, session);
        }
    }

    /** Loads the exported fleet_model the way mlflow.pyfunc does (MLmodel's code, data and loader_module) and predicts. */
    private void predictionsFromThePyfuncLoaderMatchScore(MlflowStandIn server, Run parent, Path data, String store, String session) throws Exception {
        Assumptions.assumeTrue(python("import xgboost, pandas"), "/usr/bin/python3 with Debian's python3-xgboost and python3-pandas");
        String prefix = parent.getInfo().getExperimentId() + "/" + parent.getInfo().getRunId() + "/artifacts/fleet_model/";
        Path model = dir.resolve("downloaded-" + session);
        for (Map.Entry<String, byte[]> a : server.artifacts().entrySet()) {
            if (a.getKey().startsWith(prefix)) {
                Path f = model.resolve(a.getKey().substring(prefix.length()));
                Files.createDirectories(f.getParent());
                Files.write(f, a.getValue());
            }
        }
        Path scored = dir.resolve("scored-" + session + ".csv");
        Cli score = Cli.run("score", "--data", data.toString(), "--session", session, "--out", scored.toString(), "--store", store);
        assertEquals(0, score.code(), score.toString());
        Path python = dir.resolve("pyfunc-" + session + ".csv");
        String script = String.join("\n",
                "import importlib, os, re, sys",
                "import pandas as pd",
                "model = sys.argv[1]",
                "conf = open(os.path.join(model, 'MLmodel')).read()",
                "get = lambda k: re.search(r'^    ' + k + r': (\\S+)$', conf, re.M).group(1)",
                "sys.path.insert(0, os.path.join(model, get('code')))",
                "impl = importlib.import_module(get('loader_module'))._load_pyfunc(os.path.join(model, get('data')))",
                "df = pd.read_csv(sys.argv[2])",
                "pd.DataFrame({'record_id': df['record_id'], 'prediction': impl.predict(df)}).to_csv(sys.argv[3], index=False)");
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", script, model.toString(), data.toString(), python.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        Map<String, Double> expected = new HashMap<>();
        for (String line : Files.readAllLines(scored).subList(1, Files.readAllLines(scored).size())) {
            String[] f = line.split(",");
            expected.put(f[0], Double.parseDouble(f[2]));
        }
        List<String> got = Files.readAllLines(python);
        assertEquals(expected.size() + 1, got.size());
        for (String line : got.subList(1, got.size())) {
            String[] f = line.split(",");
            double want = expected.get(f[0]);
            assertEquals(want, Double.parseDouble(f[1]), 1e-4 * Math.max(1, Math.abs(want)), "record " + f[0]);
        }
    }

    private static boolean python(String code) {
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", "-c", code).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @Test
    void mistakesAreOneLineSayingWhatToDo() throws Exception {
        Path data = fleet(3);
        String store = dir.resolve("store").toString();
        Cli train = Cli.run(args(new String[]{"train", "--data", data.toString()}, args(COLUMNS, "--algorithm", "linear", "--store", store)));
        assertEquals(0, train.code(), train.toString());

        Cli noUri = Cli.run("mlflow", "export", "latest", "--store", store);
        if (System.getenv("MLFLOW_TRACKING_URI") == null) {
            assertEquals(2, noUri.code(), noUri.toString());
            assertTrue(noUri.err().contains("--tracking-uri http://HOST:PORT"), noUri.err());
            assertEquals(1, noUri.err().strip().lines().count());
        }
        Cli badPolicy = Cli.run("mlflow", "export", "latest", "--tracking-uri", "http://127.0.0.1:9", "--nested", "worst", "--store", store);
        assertEquals(2, badPolicy.code(), badPolicy.toString());
        assertTrue(badPolicy.err().contains("default, all, failed, worst:N"), badPolicy.err());
        Cli notHttp = Cli.run("mlflow", "export", "latest", "--tracking-uri", "./mlruns", "--store", store);
        assertEquals(2, notHttp.code(), notHttp.toString());
        assertTrue(notHttp.err().contains("http://"), notHttp.err());
        Cli noSession = Cli.run("mlflow", "export", "20990101-000000-abcd", "--tracking-uri", "http://127.0.0.1:9", "--store", store);
        assertEquals(2, noSession.code(), noSession.toString());
        assertTrue(noSession.err().contains("fleetml sessions"), noSession.err());
        Cli down = Cli.run("mlflow", "export", "latest", "--tracking-uri", "http://127.0.0.1:9", "--attempts", "1", "--store", store);
        assertEquals(5, down.code(), down.toString());
        assertTrue(down.err().contains("check that the server runs"), down.err());
        assertEquals(1, down.err().strip().lines().count(), down.err());
        Cli trainDown = Cli.run(args(new String[]{"train", "--data", data.toString()}, args(COLUMNS, "--algorithm", "linear", "--store", store,
                "--mlflow", "http://127.0.0.1:9")));
        assertEquals(5, trainDown.code(), trainDown.toString());
        String trained = CliEndToEndTest.sessionId(trainDown);
        assertTrue(trainDown.err().contains("export it when the server answers, with: fleetml mlflow export " + trained), trainDown.err());
        assertEquals(1, trainDown.err().strip().lines().count(), trainDown.err());
        Cli trainBadUri = Cli.run(args(new String[]{"train", "--data", data.toString()}, args(COLUMNS, "--store", store, "--mlflow", "mlruns")));
        assertEquals(2, trainBadUri.code(), trainBadUri.toString());
        assertTrue(trainBadUri.out().isEmpty(), "refused before training: " + trainBadUri.out());
        Cli badRegister = Cli.run("mlflow", "export", "latest", "--tracking-uri", "http://127.0.0.1:9", "--register", "pumps@", "--store", store);
        assertEquals(2, badRegister.code(), badRegister.toString());
        assertTrue(badRegister.err().contains("NAME@ALIAS"), badRegister.err());
    }
}
