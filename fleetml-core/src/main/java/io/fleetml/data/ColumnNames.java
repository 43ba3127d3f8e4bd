package io.fleetml.data;

import java.util.Collection;
import java.util.Locale;

/** Finds the closest existing column name, so that a typo gets a "did you mean" rather than a dead end. */
public final class ColumnNames {
    private ColumnNames() {
    }

    /**
     * The candidate closest to {@code name} (case-insensitive edit distance; a name that one contains
     * counts as close, e.g. {@code device} for {@code device_id}), or null when none is close.
     */
    public static String closest(String name, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        String lower = name.toLowerCase(Locale.ROOT);
        for (String candidate : candidates) {
            String other = candidate.toLowerCase(Locale.ROOT);
            int d = lower.length() >= 3 && (other.contains(lower) || lower.contains(other) && other.length() >= 3)
                    ? 1 : distance(lower, other);
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return bestDistance <= Math.max(2, name.length() / 3) ? best : null;
    }

    /** "column 'x' not found in SOURCE (did you mean 'y'?); columns are: ...". */
    public static String missingMessage(String what, String name, String source, Collection<String> candidates) {
        String suggestion = closest(name, candidates);
        return what + " '" + name + "' not found in " + source
                + (suggestion != null ? " — did you mean '" + suggestion + "'?" : "")
                + " Available: " + String.join(", ", candidates);
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
