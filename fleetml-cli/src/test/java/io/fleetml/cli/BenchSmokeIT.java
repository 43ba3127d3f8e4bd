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

    /** {@code bench/serve --quick} trains, registers, serves and loads the server with wrk (installed by {@code .ci/run}). */
    @Test
    void quickServeBenchmarkMeasuresEveryFigure() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Path out = Path.of("target", "bench-serve-quick").toAbsolutePath();
        Process p = new ProcessBuilder("bash", root.resolve("bench/serve").toString(), "--quick", "--out", out.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), log);
        assertEquals(0, p.exitValue(), log);
        String table = Files.readString(out.resolve("serve-quick.md"));
        for (String row : List.of("| single-row predictions, 2,000 linear devices", "| cold loads: first request for each of 100 random devices",
                "| batch: 1,000 rows over 100 devices", "| `fleetml score --model bench@champion`")) {
            assertTrue(table.lines().anyMatch(l -> l.startsWith(row)), row + " missing in:\n" + table);
        }
        assertTrue(table.contains("non-2xx 0"), table);
        assertTrue(table.contains("loads_total 2,000"), "every model loaded once in the warm-up:\n" + table);
    }

    /**
     * {@code bench/dashboard --quick} makes its store with fleetml, times every API call behind the dashboard's pages and
     * loads the session page in headless Chromium (Debian's chromium, chromium-driver and python3-selenium, which
     * {@code .ci/run} installs); nothing about timing is asserted.
     */
    @Test
    void quickDashboardBenchmarkMeasuresEveryFigure() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Path out = Path.of("target", "bench-dashboard-quick").toAbsolutePath();
        Process p = new ProcessBuilder("bash", root.resolve("bench/dashboard").toString(), "--quick", "--out", out.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), log);
        assertEquals(0, p.exitValue(), log);
        String table = Files.readString(out.resolve("dashboard-quick.md"));
        assertTrue(table.contains("store: 100,000 distinct devices"), table);
        for (String call : List.of("/api/v1/sessions", "/sessions/{id}", "/counts", "/histogram?metric=r2", "/histogram?metric=mse",
                "/scatter?metric=r2", "/failures", "/devices?sort=mse&page_size=50", "/devices?q=123&sort=r2", "/compare?metric=r2",
                "/compare/worse?metric=mse", "/compare/devices?side=added", "/devices/123/runs", "/devices/123/model", "/devices/123/aliases")) {
            assertTrue(table.lines().anyMatch(l -> l.startsWith("| `" + call + "` | ")), call + " missing in:\n" + table);
        }
        for (String load : List.of("| cold: a new browser, new profile (2) | **", "| warm: reloads in one browser (2) | **",
                "| the first load on a fresh server (1) | **")) {
            assertTrue(table.lines().anyMatch(l -> l.startsWith(load)), load + " missing in:\n" + table);
        }
        assertTrue(table.contains("charts: histogram-r2, histogram-mse, scatter"), table);
        assertTrue(Files.size(out.resolve("dashboard-quick-session.png")) > 10_000, "the screenshot");
        assertFalse(table.contains("NaN"), table);
    }
}
