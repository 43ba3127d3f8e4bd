package io.fleetml.stats;

/**
 * Contiguous bins between two values: equal widths, or on a log scale equal ratios.
 *
 * @param edges the {@code n + 1} edges of {@code n} bins, ascending
 * @param log   whether the edges are spaced on a log scale
 */
public record Bins(double[] edges, boolean log) {

    /** {@code n} bins from {@code lo} to {@code hi}; a range of one value is widened so that the bins have a width. */
    public static Bins between(double lo, double hi, int n, boolean log) {
        if (n < 1) {
            throw new IllegalArgumentException("at least one bin, not " + n);
        }
        if (log && !(lo > 0)) {
            throw new IllegalArgumentException("a log scale starts above zero, not at " + lo);
        }
        if (!(hi > lo)) {
            double pad = log ? 0 : Math.max(Math.abs(lo) * 0.05, 0.5);
            lo = log ? lo / 1.1 : lo - pad;
            hi = log ? hi * 1.1 : hi + pad;
        }
        double[] edges = new double[n + 1];
        double a = log ? Math.log10(lo) : lo;
        double b = log ? Math.log10(hi) : hi;
        for (int i = 0; i <= n; i++) {
            double t = a + (b - a) * i / n;
            edges[i] = log ? Math.pow(10, t) : t;
        }
        edges[0] = lo; // exactly, not 10^log10(lo)
        edges[n] = hi;
        return new Bins(edges, log);
    }

    public int count() {
        return edges.length - 1;
    }

    public double lo() {
        return edges[0];
    }

    public double hi() {
        return edges[edges.length - 1];
    }

    /**
     * The SQL expression of the bin {@code column} falls in: {@code -1} below the first edge, {@link #count()} above
     * the last, else {@code 0 … count() - 1}. Numbers are written into it as literals: they are doubles this computed.
     */
    public String sqlIndex(String column) {
        int n = count();
        String scaled = log
                ? "(log10(" + column + ") - " + Math.log10(lo()) + ") / " + (Math.log10(hi()) - Math.log10(lo()))
                : "(" + column + " - " + lo() + ") / " + (hi() - lo());
        return "CASE WHEN " + column + " < " + lo() + " THEN -1 WHEN " + column + " > " + hi() + " THEN " + n
                + " ELSE min(" + (n - 1) + ", CAST(" + n + " * " + scaled + " AS INTEGER)) END";
    }

    /** The same bins, with the outermost ones taking in what falls beyond them. */
    public String sqlClampedIndex(String column) {
        return "max(0, min(" + (count() - 1) + ", " + sqlIndex(column) + "))";
    }
}
