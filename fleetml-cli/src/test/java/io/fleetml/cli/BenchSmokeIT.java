package io.fleetml.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The benchmark harness works: {@code bench/run --quick} runs every workload with fleetml, the bare algorithm
 * and scikit-learn, and writes the table. Nothing about timing is asserted. Runs after {@code package}
 * (the harness runs the built command); needs {@code /usr/bin/python3} with scikit-learn and pandas,
 * which {@code .ci/run} installs.
 */
@Tag("slow")
class BenchSmokeIT {
    @Test
    void quickBenchmarkRunsEveryWorkloadAgainstBothBaselines() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Path out = Path.of("target", "bench-quick").toAbsolutePath();
        Process p = new ProcessBuilder("bash", root.resolve("bench/run").toString(), "--quick", "--out", out.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(15, TimeUnit.MINUTES), log);
        assertEquals(0, p.exitValue(), log);
        String table = Files.readString(out.resolve("results.md"));
        for (String workload : List.of("seed", "fleet linear", "fleet forest", "score linear", "score forests", "real")) {
            for (String engine : List.of("fleetml", "bare", "scikit-learn")) {
                assertTrue(table.contains("| " + workload + " | ") && table.lines().anyMatch(l -> l.startsWith("| " + workload + " |")
                        && l.contains("| " + engine + " |")), workload + " / " + engine + " missing in:\n" + table);
            }
        }
        assertTrue(table.lines().anyMatch(l -> l.startsWith("| fleet stack |") && l.contains("| fleetml --fleet stack |")), table);
        assertTrue(table.contains("fleet stack ÷ fleet linear"), table);
        assertFalse(table.contains("NaN"), table);
    }
}
