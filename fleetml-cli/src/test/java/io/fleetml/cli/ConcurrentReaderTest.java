package io.fleetml.cli;

import io.fleetml.data.SyntheticFleet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** A second process reads the store while training writes it: it sees the running session and its device runs grow. */
@Tag("slow")
class ConcurrentReaderTest {
    @TempDir
    Path dir;

    private static String[] readerCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), FleetCli.class.getName()));
        cmd.addAll(List.of(args));
        return cmd.toArray(String[]::new);
    }

    private static Cli inOtherProcess(String... args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(readerCommand(args)).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Cli(p.exitValue(), out, err);
    }

    @Test
    void anotherProcessReadsWhileTrainingWrites() throws Exception {
        Path fleet = dir.resolve("fleet.parquet");
        SyntheticFleet.write(fleet, 3000, 40, 3);
        String store = dir.resolve("store").toString();
        CompletableFuture<Cli> training = CompletableFuture.supplyAsync(() -> Cli.run("train", "--data", fleet.toString(),
                "--device-column", "device_id", "--features", "feature_1,feature_2,feature_3", "--label", "label",
                "--param", "n_estimators=20", "--param", "max_depth=4", "--threads", "1", "--store", store));
        Pattern running = Pattern.compile("^(\\S+)\\s+default\\s+RUNNING", Pattern.MULTILINE);
        Pattern count = Pattern.compile(" of ([\\d,]+) devices");
        List<Integer> seen = new ArrayList<>();
        while (!training.isDone() && !Files.exists(dir.resolve("store/fleetml.db"))) {
            Thread.sleep(20); // until training has made the store, there is nothing to list
        }
        while (!training.isDone()) {
            Cli sessions = inOtherProcess("sessions", "--store", store);
            assertEquals(0, sessions.code(), sessions.toString());
            Matcher m = running.matcher(sessions.out());
            if (m.find() && !training.isDone()) {
                Cli devices = inOtherProcess("devices", m.group(1), "--limit", "1", "--store", store);
                assertEquals(0, devices.code(), devices.toString());
                Matcher c = count.matcher(devices.out());
                assertTrue(c.find(), devices.out());
                seen.add(Integer.parseInt(c.group(1).replace(",", "")));
            }
        }
        Cli trained = training.get();
        assertEquals(0, trained.code(), trained.toString());
        assertTrue(seen.stream().anyMatch(n -> n > 0 && n < 3000), "saw device runs while training ran: " + seen);
        Cli after = inOtherProcess("sessions", "--store", store);
        assertTrue(after.out().contains("FINISHED"), after.out());
    }
}
