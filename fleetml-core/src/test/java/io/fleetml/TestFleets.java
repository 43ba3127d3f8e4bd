package io.fleetml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/** Small fleets written as CSV for tests. */
public final class TestFleets {
    public static final Path BEIJING = Path.of(System.getProperty("fleetml.shared", "../../shared"), "data", "beijing-air-quality");

    private TestFleets() {
    }

    /** Writes {@code lines} to {@code file} and returns it. */
    public static Path csv(Path file, String... lines) {
        try {
            Files.writeString(file, String.join("\n", lines) + "\n");
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code device,record_id,x1,x2,y} with {@code y = 1 + 2·x1 − 3·x2 + noise}, per device offset by its index.
     */
    public static Path linear(Path file, int devices, int rows, double noise, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder("device,record_id,x1,x2,y\n");
        long id = 0;
        for (int d = 0; d < devices; d++) {
            for (int i = 0; i < rows; i++) {
                double x1 = r.nextDouble();
                double x2 = r.nextDouble();
                double y = d + 1 + 2 * x1 - 3 * x2 + noise * (r.nextDouble() - 0.5);
                sb.append(String.format(Locale.ROOT, "dev-%d,%d,%.6f,%.6f,%.6f%n", d, id++, x1, x2, y));
            }
        }
        try {
            Files.writeString(file, sb);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    public static List<String> features() {
        return List.of("x1", "x2");
    }

    /** The Beijing data, when the shared folder is beside the checkout. */
    public static Path beijing() {
        Path p = BEIJING.toAbsolutePath().normalize();
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("shared data not found at " + p + "; set -Dfleetml.shared=/path/to/shared");
        }
        return p;
    }
}
