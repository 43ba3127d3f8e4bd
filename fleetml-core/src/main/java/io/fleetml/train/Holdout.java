package io.fleetml.train;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Splits a device's usable rows into training and holdout rows. Random: seeded per device (the seed
 * mixed with the device id), so the split does not depend on which thread or machine trains the device.
 * Time-ordered: the last rows, as the frame is already ordered by the time columns.
 */
public final class Holdout {
    private Holdout() {
    }

    /** Row indexes {@code [train, test]}, each ascending; {@code n} usable rows. */
    public static int[][] split(int n, double testFraction, boolean timeOrdered, long seed, String deviceId) {
        int nTest = testFraction <= 0 ? 0 : (int) Math.max(1, Math.min(n - 1, Math.round(n * testFraction)));
        if (timeOrdered) {
            int[] train = new int[n - nTest];
            int[] test = new int[nTest];
            Arrays.setAll(train, i -> i);
            Arrays.setAll(test, i -> n - nTest + i);
            return new int[][] {train, test};
        }
        // Partial Fisher-Yates: the first nTest slots of a seeded shuffle are the holdout.
        int[] order = new int[n];
        Arrays.setAll(order, i -> i);
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ deviceId.hashCode());
        for (int i = 0; i < nTest; i++) {
            int j = i + random.nextInt(n - i);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        boolean[] held = new boolean[n];
        for (int i = 0; i < nTest; i++) {
            held[order[i]] = true;
        }
        int[] train = new int[n - nTest];
        int[] test = new int[nTest];
        for (int i = 0, a = 0, b = 0; i < n; i++) {
            if (held[i]) {
                test[b++] = i;
            } else {
                train[a++] = i;
            }
        }
        return new int[][] {train, test};
    }
}
