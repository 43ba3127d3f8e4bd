package io.fleetml.command;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Formats numbers and aligned tables for the terminal. */
public final class Text {
    private Text() {
    }

    public static String num(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-3 || a >= 1e6)) {
            return String.format(Locale.ROOT, "%.3e", v);
        }
        return String.format(Locale.ROOT, a >= 100 ? "%.1f" : "%.4f", v);
    }

    /** {@code n / seconds}, with a decimal when it is small. */
    public static String rate(long n, double seconds) {
        double r = n / Math.max(seconds, 1e-9);
        return r < 10 ? String.format(Locale.ROOT, "%.1f", r) : count(Math.round(r));
    }

    public static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** Left-aligned columns separated by two spaces. */
    public static String table(List<String> header, List<List<String>> rows) {
        int[] width = new int[header.size()];
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        for (List<String> r : all) {
            for (int i = 0; i < r.size(); i++) {
                width[i] = Math.max(width[i], r.get(i).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (List<String> r : all) {
            for (int i = 0; i < r.size(); i++) {
                String cell = r.get(i);
                sb.append(cell);
                if (i < r.size() - 1) {
                    sb.append(" ".repeat(width[i] - cell.length() + 2));
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
