package io.fleetml.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/** {@code fleetml registry ...} and {@code fleetml score --model}, as a user types them. */
class CliRegistryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path shared;
    static Path fleet;
    /** A plain linear session and a {@code --fleet stack} one on the same fleet. */
    static String plain;
    static String stack;

    @TempDir
    Path dir;

    @BeforeAll
    static void twoSessions() {
        fleet = shared.resolve("fleet.csv");
        assertEquals(0, Cli.run("generate", "--devices", "30", "--rows-per-device", "60", "--out", fleet.toString()).code());
        Path store = shared.resolve("store");
        plain = CliEndToEndTest.sessionId(train(store));
        stack = CliEndToEndTest.sessionId(train(store, "--fleet", "stack", "--fleet-param", "n_estimators=20"));
    }

    private static Cli train(Path store, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--store", store.toString(), "--data", fleet.toString(), "--device-column",
                "device_id", "--features", "feature_1,feature_2,feature_3", "--label", "label", "--algorithm", "linear"));
        args.addAll(Arrays.asList(more));
        Cli run = Cli.run(args.toArray(String[]::new));
        assertEquals(0, run.code(), run.toString());
        return run;
    }

    /** A copy of the shared store for a test that changes it. */
    private Path store() throws IOException {
        Path copy = dir.resolve("store");
        try (var files = Files.walk(shared.resolve("store"))) {
            for (Path p : files.toList()) {
                Path to = copy.resolve(shared.resolve("store").relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        return copy;
    }

    private static Cli run(Path store, String... args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.add("--store");
        all.add(store.toString());
        return Cli.run(all.toArray(String[]::new));
    }

    private static List<String> column(Path csv, String name) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        int i = Arrays.asList(lines.get(0).split(",")).indexOf(name);
        return lines.stream().skip(1).map(l -> l.split(",")[i]).toList();
    }

    @Test
    void registerAliasListShowAndScoreAVersion() throws IOException {
        Path store = store();
        Cli first = run(store, "registry", "register", plain, "--name", "pumps", "--alias", "champion", "--description", "plain linear");
        assertEquals(0, first.code(), first.toString());
        assertEquals("registered pumps/1: session " + plain + " (30 devices); alias champion", first.out().strip());
        Cli second = run(store, "registry", "register", "latest", "--name", "pumps");
        assertEquals(0, second.code(), second.toString());
        assertTrue(second.out().startsWith("registered pumps/2: session " + stack), second.out());

        Cli list = run(store, "registry", "list");
        assertEquals(0, list.code(), list.toString());
        assertTrue(list.out().lines().anyMatch(l -> l.matches("pumps\\s+2\\s+2\\s+champion=1\\s+" + stack + "\\s+30\\s+.*")), list.out());
        JsonNode models = JSON.readTree(run(store, "registry", "list", "--json").out());
        assertEquals("pumps", models.get(0).get("name").asText());
        assertEquals(1, models.get(0).get("aliases").get("champion").asInt());
        assertEquals(plain, models.get(0).get("versions").get(0).get("session_id").asText());
        assertEquals("stack", models.get(0).get("versions").get(1).get("session").get("fleet").asText());

        Path predictions = dir.resolve("p1.csv");
        Cli score = run(store, "score", "--data", fleet.toString(), "--model", "pumps@champion", "--out", predictions.toString());
        assertEquals(0, score.code(), score.toString());
        assertTrue(score.out().contains("with pumps/1 (session " + plain + ")"), score.out());
        assertEquals(Set.of("device/pumps/1"), Set.copyOf(column(predictions, "model")));

        Cli moved = run(store, "registry", "alias", "pumps", "champion", "2");
        assertEquals(0, moved.code(), moved.toString());
        assertEquals("pumps@champion -> pumps/2 (was pumps/1)", moved.out().strip());
        Path after = dir.resolve("p2.csv");
        assertEquals(0, run(store, "score", "--data", fleet.toString(), "--model", "pumps@champion", "--out", after.toString()).code());
        Set<String> answered = Set.copyOf(column(after, "model"));
        assertTrue(answered.contains("stack/pumps/2") || answered.contains("fleet/pumps/2"), answered.toString());
        assertTrue(answered.stream().allMatch(m -> m.endsWith("/pumps/2")), answered.toString());
        List<String> byVersion = column(dir.resolve("p3.csv"), store, "pumps/1");
        assertEquals(column(predictions, "prediction"), byVersion, "NAME/VERSION scores that version, whatever the aliases say");

        Cli show = run(store, "registry", "show", "pumps");
        assertTrue(show.out().contains("aliases: champion=2"), show.out());
        assertTrue(show.out().lines().anyMatch(l -> l.matches("1\\s+-\\s+" + plain + "\\s+linear\\s+30\\s+30\\s+.*plain linear")), show.out());
        Cli one = run(store, "registry", "show", "pumps@champion");
        assertTrue(one.out().startsWith("pumps/2 (champion)  session " + stack), one.out());
        assertTrue(one.out().contains("test MSE by model"), "a fleet version shows its comparison: " + one.out());
        JsonNode v = JSON.readTree(run(store, "registry", "show", "pumps/1", "--json").out());
        assertEquals(1, v.get("version").asInt());
        assertEquals("plain linear", v.get("description").asText());
        assertEquals(30, v.get("session").get("devices_ok").asInt());

        Cli removed = run(store, "registry", "alias", "pumps", "champion", "--delete");
        assertEquals(0, removed.code(), removed.toString());
        Cli gone = run(store, "score", "--data", fleet.toString(), "--model", "pumps@champion");
        assertEquals(2, gone.code(), gone.toString());
        assertEquals("fleetml: error: model 'pumps' has no alias 'champion'; set it with: fleetml registry alias pumps champion VERSION",
                gone.err().strip());
    }

    private static List<String> column(Path out, Path store, String model) throws IOException {
        Cli run = run(store, "score", "--data", fleet.toString(), "--model", model, "--out", out.toString());
        assertEquals(0, run.code(), run.toString());
        return column(out, "prediction");
    }

    @Test
    void aRegisteredSessionIsNotDeletedAndBadRequestsGetOneLine() throws IOException {
        Path store = store();
        assertEquals(0, run(store, "registry", "register", plain, "--name", "pumps").code());

        Cli delete = run(store, "sessions", "delete", plain);
        assertEquals(4, delete.code(), delete.toString());
        assertEquals("fleetml: error: session " + plain + " is registered as pumps/1; nothing was deleted", delete.err().strip());
        assertEquals(0, run(store, "sessions", "show", plain).code(), "still there");

        String[][] bad = {
                {"registry", "register", plain, "--name", "../../etc"},
                {"registry", "register", plain, "--name", "pumps", "--alias", "a/b"},
                {"registry", "register", "20990101-000000-0000", "--name", "pumps"},
                {"registry", "alias", "pumps", "champion"},
                {"registry", "alias", "pumps", "champion", "9"},
                {"registry", "alias", "pumps", "champion", "two"},
                {"registry", "alias", "valves", "champion", "1"},
                {"registry", "show", "pumps/0"},
                {"registry", "show", "pumps@x/1"},
                {"registry", "show", "valves"},
                {"score", "--data", fleet.toString(), "--model", "pumps/1", "--session", plain},
                {"score", "--data", fleet.toString(), "--model", "pumps/1", "--experiment", "default"},
        };
        for (String[] args : bad) {
            Cli r = run(store, args);
            assertEquals(2, r.code(), r.toString());
            assertEquals(1, r.err().strip().lines().count(), r.toString());
            assertTrue(r.err().startsWith("fleetml: "), r.toString());
            assertFalse(r.err().contains("Exception"), r.toString());
        }
        assertTrue(run(store, "registry", "alias", "pumps", "champion", "9").err().contains("has no version 9 (its versions: 1 to 1)"));
        try (var files = Files.list(dir)) {
            assertEquals(Set.of("store"), files.map(p -> p.getFileName().toString()).collect(Collectors.toSet()), "nothing written beside it");
        }
        assertEquals(1, JSON.readTree(run(store, "registry", "list", "--json").out()).get(0).get("versions").size());
    }

    @Test
    void anEmptyRegistrySaysWhatToDo() throws IOException {
        Path store = store();
        Cli list = run(store, "registry", "list");
        assertEquals(0, list.code());
        assertTrue(list.out().contains("no registered models"), list.out());
        assertEquals("[ ]", run(store, "registry", "list", "--json").out().strip());
        Cli none = Cli.run("registry");
        assertEquals(2, none.code());
        assertTrue(none.err().contains("name a registry command"), none.err());
    }
}
