package io.fleetml.train;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Splits a device's usable rows into training, validation and test (holdout) rows. Random: seeded per device (the
 * seed mixed with the device id), so the split does not depend on which thread or machine trains the device.
 * Time-ordered: the test rows are the last ones (the frame is already ordered by the time columns), the validation
 * rows the ones before them. The test rows are the same with or without a validation part, so a session with fleet
 * models reports on exactly the rows a plain session does.
 */
public final class Holdout {
    private Holdout() {
    }

    /** Row indexes {@code [train, test]}, each ascending; {@code n} usable rows. */
    public static int[][] split(int n, double testFraction, boolean timeOrdered, long seed, String deviceId) {
        int[][] s = split(n, testFraction, 0, timeOrdered, seed, deviceId);
        return new int[][] {s[0], s[2]};
    }

    /**
     * Row indexes {@code [train, validation, test]}, each ascending; {@code n} usable rows. A device with rows to
     * spare keeps at least one training row: 3 rows split 1/1/1, 2 rows 1/0/1, 1 row 0/0/1.
     */
    public static int[][] split(int n, double testFraction, double validationFraction, boolean timeOrdered, long seed, String deviceId) {
        if (n == 0) {
            return new int[][] {new int[0], new int[0], new int[0]};
        }
        int nTest = testFraction <= 0 ? 0 : (int) Math.max(1, Math.min(n - 1, Math.round(n * testFraction)));
        if (n == 1 && testFraction > 0) {
            nTest = 1;
        }
        int spare = n - nTest - 1;
        int nVal = validationFraction <= 0 || spare < 1 ? 0 : (int) Math.max(1, Math.min(spare, Math.round(n * validationFraction)));
        int nHeld = nTest + nVal;
        if (timeOrdered) {
            int t = nTest;
            int[] train = new int[n - nHeld];
            int[] val = new int[nVal];
            int[] test = new int[nTest];
            Arrays.setAll(train, i -> i);
            Arrays.setAll(val, i -> n - nHeld + i);
            Arrays.setAll(test, i -> n - t + i);
            return new int[][] {train, val, test};
        }
        // Partial Fisher-Yates: the first nTest slots of a seeded shuffle are the holdout, the next nVal the validation rows.
        int[] order = new int[n];
        Arrays.setAll(order, i -> i);
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ deviceId.hashCode());
        for (int i = 0; i < nHeld; i++) {
            int j = i + random.nextInt(n - i);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        byte[] part = new byte[n]; // 0 train, 1 validation, 2 test
        for (int i = 0; i < nHeld; i++) {
            part[order[i]] = (byte) (i < nTest ? 2 : 1);
        }
        int[][] out = {new int[n - nHeld], new int[nVal], new int[nTest]};
        int[] at = new int[3];
        for (int i = 0; i < n; i++) {
            out[part[i]][at[part[i]]++] = i;
        }
        return out;
    }
}
