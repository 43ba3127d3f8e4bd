package io.fleetml.score;

import java.util.List;

/**
 * What a scoring run did.
 *
 * @param records             records read
 * @param devices             devices read
 * @param predicted           records that got a prediction
 * @param devicesWithoutModel devices with no model (unknown to the session, or failed or skipped there)
 * @param recordsWithoutModel records of those devices
 * @param devicesUnreadable   devices whose model could not be read (its pack deleted or corrupt)
 * @param recordsUnreadable   records of those devices
 * @param recordsNotPredicted records of devices with a model that still got no prediction (a missing feature the model cannot take)
 * @param unreadable          the first devices whose model could not be read, with the reason
 * @param seconds             wall time
 * @param byModel             records predicted, by the kind of model that answered ({@code device}, {@code fleet}, ...)
 */
public record ScoreReport(long records, long devices, long predicted, long devicesWithoutModel, long recordsWithoutModel,
                          long devicesUnreadable, long recordsUnreadable, long recordsNotPredicted, List<Unreadable> unreadable,
                          double seconds, java.util.Map<String, Long> byModel) implements java.io.Serializable {

    /** How many unreadable devices a report names. */
    public static final int NAMED = 5;

    /** A device whose model could not be read, and why. */
    public record Unreadable(String deviceId, String reason) implements java.io.Serializable {
    }

    public ScoreReport {
        unreadable = List.copyOf(unreadable);
        byModel = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(byModel));
    }

    /**
     * The reports of the parts of one run (e.g. a Spark partition each) added up, naming the first of their
     * unreadable devices, in order, up to {@link #NAMED}.
     */
    public static ScoreReport sum(List<ScoreReport> parts, double seconds) {
        long records = 0, devices = 0, predicted = 0, devicesWithoutModel = 0, recordsWithoutModel = 0, devicesUnreadable = 0, recordsUnreadable = 0;
        java.util.ArrayList<Unreadable> named = new java.util.ArrayList<>();
        java.util.Map<String, Long> byModel = new java.util.TreeMap<>();
        for (ScoreReport p : parts) {
            p.byModel().forEach((k, v) -> byModel.merge(k, v, Long::sum));
            records += p.records();
            devices += p.devices();
            predicted += p.predicted();
            devicesWithoutModel += p.devicesWithoutModel();
            recordsWithoutModel += p.recordsWithoutModel();
            devicesUnreadable += p.devicesUnreadable();
            recordsUnreadable += p.recordsUnreadable();
            p.unreadable().stream().limit(NAMED - named.size()).forEach(named::add);
        }
        return new ScoreReport(records, devices, predicted, devicesWithoutModel, recordsWithoutModel, devicesUnreadable, recordsUnreadable,
                records - predicted - recordsWithoutModel - recordsUnreadable, named, seconds, byModel);
    }

    /** Adds up what each part of a run did; unreadable devices are named up to {@link #NAMED}. */
    public static final class Tally {
        private long records;
        private long devices;
        private long predicted;
        private long devicesWithoutModel;
        private long recordsWithoutModel;
        private long devicesUnreadable;
        private long recordsUnreadable;
        private final java.util.ArrayList<Unreadable> named = new java.util.ArrayList<>();
        private final java.util.Map<String, Long> byModel = new java.util.TreeMap<>();

        /** Counts one scored device; returns its predictions, NaN where it got none. */
        public double[] add(DeviceScoring.Scored s) {
            int n = s.frame().rows();
            records += n;
            devices++;
            if (s.predictions() == null) {
                if (s.unreadable() != null) {
                    devicesUnreadable++;
                    recordsUnreadable += n;
                    if (named.size() < NAMED) {
                        named.add(new Unreadable(s.frame().deviceId(), s.unreadable()));
                    }
                } else {
                    devicesWithoutModel++;
                    recordsWithoutModel += n;
                }
                double[] none = new double[n];
                java.util.Arrays.fill(none, Double.NaN);
                return none;
            }
            long before = predicted;
            for (double p : s.predictions()) {
                if (!Double.isNaN(p)) {
                    predicted++;
                }
            }
            if (s.model() != null && predicted > before) {
                int slash = s.model().indexOf('/');
                byModel.merge(slash < 0 ? s.model() : s.model().substring(0, slash), predicted - before, Long::sum);
            }
            return s.predictions();
        }

        public ScoreReport report(double seconds) {
            return new ScoreReport(records, devices, predicted, devicesWithoutModel, recordsWithoutModel, devicesUnreadable,
                    recordsUnreadable, records - predicted - recordsWithoutModel - recordsUnreadable, named, seconds, byModel);
        }
    }
}
