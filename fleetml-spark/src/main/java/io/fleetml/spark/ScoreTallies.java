package io.fleetml.spark;

import io.fleetml.score.ScoreReport;
import org.apache.spark.util.AccumulatorV2;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What each partition of a Spark scoring run counted, gathered on the driver as tasks finish: an accumulator of
 * one {@link Part} per partition, keyed by the action (its SQL execution) and the partition's first device. A
 * device's rows are all in one partition, so within an action the key names the partition whatever task runs it: a
 * task run again (a retry, a speculative copy) replaces its partition's counts instead of adding to them. Each action
 * over the predictions shuffles the data again, and range partitioning samples it anew, so partitions of different
 * actions may hold different devices: actions are counted apart, and the report is the action that scored the most
 * records. A partition reports only when its rows have all been produced, so the counts cover the partitions an
 * action computed to the end.
 */
final class ScoreTallies extends AccumulatorV2<ScoreTallies.Part, Map<String, ScoreTallies.Part>> {
    private static final long serialVersionUID = 1L;
    private final TreeMap<String, Part> parts = new TreeMap<>();

    /** One partition's counts, as a {@link ScoreReport} of its own. */
    record Part(String action, String firstDevice, ScoreReport counts) implements java.io.Serializable {

        static Part of(String action, String firstDevice, ScoreReport counts) {
            return new Part(action == null ? "" : action, firstDevice, counts);
        }
    }

    /** The report of the action that scored the most records so far (see the class comment). */
    ScoreReport report(double seconds) {
        Map<String, List<ScoreReport>> byAction = new TreeMap<>();
        Map<String, Long> records = new TreeMap<>();
        for (Part p : value().values()) {
            byAction.computeIfAbsent(p.action(), a -> new ArrayList<>()).add(p.counts());
            records.merge(p.action(), p.counts().records(), Long::sum);
        }
        String most = records.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("");
        return ScoreReport.sum(byAction.getOrDefault(most, List.of()), seconds);
    }

    @Override
    public synchronized boolean isZero() {
        return parts.isEmpty();
    }

    @Override
    public synchronized ScoreTallies copy() {
        ScoreTallies copy = new ScoreTallies();
        copy.parts.putAll(parts);
        return copy;
    }

    @Override
    public synchronized void reset() {
        parts.clear();
    }

    @Override
    public synchronized void add(Part part) {
        parts.put(part.action() + '\u0000' + part.firstDevice(), part);
    }

    @Override
    public void merge(AccumulatorV2<Part, Map<String, Part>> other) {
        Map<String, Part> theirs = other.value();
        synchronized (this) {
            parts.putAll(theirs);
        }
    }

    @Override
    public synchronized Map<String, Part> value() {
        return new TreeMap<>(parts);
    }
}
