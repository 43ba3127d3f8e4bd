package io.fleetml.train;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

class HoldoutTest {
    @Test
    void randomSplitIsSeededPerDeviceAndPartitionsTheRows() {
        int[][] a = Holdout.split(100, 0.2, false, 42, "dev-1");
        int[][] b = Holdout.split(100, 0.2, false, 42, "dev-1");
        int[][] other = Holdout.split(100, 0.2, false, 42, "dev-2");
        int[][] reseeded = Holdout.split(100, 0.2, false, 7, "dev-1");
        assertArrayEquals(a[1], b[1]);
        assertFalse(Arrays.equals(a[1], other[1]), "devices get different splits");
        assertFalse(Arrays.equals(a[1], reseeded[1]), "the seed changes the split");
        assertEquals(80, a[0].length);
        assertEquals(20, a[1].length);
        int[] all = IntStream.concat(Arrays.stream(a[0]), Arrays.stream(a[1])).sorted().toArray();
        assertArrayEquals(IntStream.range(0, 100).toArray(), all);
        assertTrue(isAscending(a[0]) && isAscending(a[1]));
    }

    @Test
    void timeOrderedSplitHoldsOutTheLastRows() {
        int[][] s = Holdout.split(10, 0.3, true, 42, "d");
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6}, s[0]);
        assertArrayEquals(new int[] {7, 8, 9}, s[1]);
    }

    @Test
    void keepsAtLeastOneRowOnEachSideAndNoneWhenFractionIsZero() {
        assertEquals(1, Holdout.split(3, 0.01, false, 1, "d")[1].length);
        assertEquals(1, Holdout.split(2, 0.9, false, 1, "d")[0].length);
        assertEquals(0, Holdout.split(50, 0, false, 1, "d")[1].length);
    }

    private static boolean isAscending(int[] v) {
        for (int i = 1; i < v.length; i++) {
            if (v[i] <= v[i - 1]) {
                return false;
            }
        }
        return true;
    }
}
