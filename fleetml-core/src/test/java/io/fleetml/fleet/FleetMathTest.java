package io.fleetml.fleet;

import io.fleetml.data.DeviceFrame;
import io.fleetml.resolve.ModelKind;
import io.fleetml.train.Holdout;
import io.fleetml.train.Metrics;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

/** The split, the statistics, the stacker and the choice: each checked against the direct computation. */
class FleetMathTest {

    @Test
    void theThreeWaySplitPartitionsTheRowsAndKeepsTheTestRowsOfTheTwoWaySplit() {
        for (boolean timeOrdered : new boolean[] {false, true}) {
            for (int n : new int[] {0, 1, 2, 3, 7, 10, 100, 1001}) {
                int[][] three = Holdout.split(n, 0.2, 0.2, timeOrdered, 42, "dev-" + n);
                int[][] two = Holdout.split(n, 0.2, timeOrdered, 42, "dev-" + n);
                assertArrayEquals(two[1], three[2], "test rows unchanged by a validation part, n=" + n);
                int[] all = IntStream.concat(IntStream.concat(Arrays.stream(three[0]), Arrays.stream(three[1])), Arrays.stream(three[2]))
                        .sorted().toArray();
                assertArrayEquals(IntStream.range(0, n).toArray(), all, "every row in exactly one part, n=" + n);
                if (n >= 3) {
                    assertTrue(three[0].length >= 1 && three[1].length >= 1 && three[2].length >= 1, "n=" + n);
                }
                if (timeOrdered && n >= 3) {
                    assertTrue(three[0][three[0].length - 1] < three[1][0] && three[1][three[1].length - 1] < three[2][0],
                            "train, then validation, then test in time");
                }
            }
        }
        assertArrayEquals(new int[] {0}, Holdout.split(2, 0.2, 0.2, true, 1, "d")[0], "2 rows: one to train, one to test");
        assertEquals(1, Holdout.split(1, 0.2, 0.2, true, 1, "d")[2].length, "1 row: a test row for the fleet model");
    }

    @Test
    void errorsOfAnyCombinationFollowExactlyFromTheStatistics() {
        SplittableRandom r = new SplittableRandom(7);
        double[] s = FleetStats.create(40);
        int n = 25;
        double[] f = new double[n], d = new double[n], h = new double[n], y = new double[n];
        for (int i = 0; i < n; i++) {
            f[i] = r.nextDouble() * 3;
            d[i] = f[i] + r.nextGaussian();
            h[i] = f[i] + 0.5 * r.nextGaussian();
            y[i] = f[i] + r.nextGaussian() * 0.3;
            FleetStats.add(s, FleetStats.TEST, f[i], d[i], h[i], y[i]);
        }
        assertEquals(n, FleetStats.rows(s, FleetStats.TEST));
        assertEquals(0, FleetStats.rows(s, FleetStats.VALIDATION));
        assertEquals(Metrics.of(y, d).mse(), FleetStats.metrics(s, FleetStats.TEST, FleetStats.weights(ModelKind.DEVICE)).mse(), 1e-9);
        assertEquals(Metrics.of(y, f).r2(), FleetStats.metrics(s, FleetStats.TEST, FleetStats.weights(ModelKind.FLEET)).r2(), 1e-9);
        double g = FleetStats.weight(40);
        double[] w = {0.1, 0.2, 0.3, 0.4, 0.5, -0.6, 0.7};
        double[] p = new double[n];
        for (int i = 0; i < n; i++) {
            p[i] = w[0] + w[1] * f[i] + w[2] * d[i] + w[3] * h[i] + g * (w[4] * f[i] + w[5] * d[i] + w[6] * h[i]);
        }
        assertEquals(Metrics.of(y, p).mse(), FleetStats.mse(s, FleetStats.TEST, w), 1e-9);
        assertArrayEquals(s, FleetStats.fromBytes(FleetStats.toBytes(s)));
        assertThrows(IllegalArgumentException.class, () -> FleetStats.fromBytes(new byte[8]));
    }

    @Test
    void theStackerRecoversTheCombinationThatMadeTheLabelAndItsPerDeviceWeights() {
        SplittableRandom r = new SplittableRandom(3);
        double[][] gram = FleetStats.gram();
        for (int device = 0; device < 50; device++) {
            int nTrain = 5 + device * 10;
            double[] s = FleetStats.create(nTrain);
            double g = FleetStats.weight(nTrain);
            for (int i = 0; i < 20; i++) {
                double f = r.nextDouble() * 4, d = r.nextDouble() * 4, h = r.nextDouble() * 4;
                double y = 0.5 + 0.25 * f + 0.5 * d + 0.25 * h + g * (1.0 * f - 1.0 * d);
                FleetStats.add(s, FleetStats.VALIDATION, f, d, h, y);
            }
            FleetStats.addGram(gram, s, FleetStats.VALIDATION);
        }
        Stacker stacker = Stacker.fit(gram);
        assertArrayEquals(new double[] {0.5, 0.25, 0.5, 0.25, 1.0, -1.0, 0}, stacker.weights(), 1e-3);
        double g = FleetStats.weight(100);
        double[] c = stacker.combination(100);
        assertEquals(0.5, c[0], 1e-3);
        assertEquals(0.25 + g + 0.25, c[1], 1e-3, "fleet weight: its own and, as hierarchical = fleet + residual, the hierarchical one");
        assertEquals(0.5 - g, c[2], 1e-3);
        assertEquals(0.25, c[3], 1e-3);
        assertNull(Stacker.fit(FleetStats.gram()), "no validation rows, no stacker");
    }

    @Test
    void aDeviceModelMustWinByMoreThanTheNoiseOfFewValidationRows() {
        // the device model 30% better than the fleet model on validation rows
        assertEquals(ModelKind.FLEET, FleetChoice.choose(FleetMode.FALLBACK, true, stats(5, 1.0, 0.7), null), "5 rows: not proof");
        assertEquals(ModelKind.DEVICE, FleetChoice.choose(FleetMode.FALLBACK, true, stats(500, 1.0, 0.7), null), "500 rows: proof");
        assertEquals(ModelKind.FLEET, FleetChoice.choose(FleetMode.FALLBACK, false, stats(500, 1.0, 0.1), null), "no model of its own");
        assertEquals(ModelKind.FLEET, FleetChoice.choose(FleetMode.FALLBACK, true, FleetStats.create(3), null), "no validation rows");
        Stacker stacker = new Stacker(new double[] {0, 0.5, 0.5, 0, 0, 0, 0});
        assertEquals(ModelKind.STACK, FleetChoice.choose(FleetMode.STACK, true, FleetStats.create(3), stacker), "no validation rows: the stack");
    }

    @Test
    void theSampleNeverHoldsMoreThanItsCap() {
        assertEquals(2, FleetSample.quota(500, 200));
        assertEquals(1, FleetSample.quota(500, 900), "at least one row a device");
        for (int devices : new int[] {200, 900}) {
            FleetSample sample = new FleetSample(List.of("x"), 500, 42);
            long quota = FleetSample.quota(500, devices);
            for (int d = devices - 1; d >= 0; d--) { // arrival order does not matter
                double[] x = new double[10];
                Arrays.setAll(x, i -> i);
                DeviceFrame frame = new DeviceFrame("dev-" + d, List.of("x"), new double[][] {x}, x.clone(), new long[10]);
                sample.add(FleetSample.take(frame, IntStream.range(0, 10).toArray(), quota, false, 7));
            }
            DeviceFrame all = sample.frame();
            assertEquals(Math.min(500, devices * quota), all.rows(), devices + " devices");
        }
    }

    /** Validation statistics where the fleet and device predictions have these mean squared errors. */
    private static double[] stats(int rows, double fleetMse, double deviceMse) {
        double[] s = FleetStats.create(100);
        for (int i = 0; i < rows; i++) {
            double sign = i % 2 == 0 ? 1 : -1;
            FleetStats.add(s, FleetStats.VALIDATION, sign * Math.sqrt(fleetMse), sign * Math.sqrt(deviceMse), 0, 0);
        }
        return s;
    }
}
