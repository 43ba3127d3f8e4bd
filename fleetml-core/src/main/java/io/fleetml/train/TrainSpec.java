package io.fleetml.train;

import io.fleetml.data.FleetInputException;
import io.fleetml.data.FrameQuery;
import io.fleetml.fleet.FleetSpec;
import io.fleetml.model.Algorithm;
import io.fleetml.model.Algorithms;
import io.fleetml.model.Params;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What to train for every device. A plain value (it is stored with the session as JSON): the algorithm
 * is named, and a user's own trainer is named after {@link Algorithms#register registering} it.
 *
 * @param deviceColumn column naming the device
 * @param features     feature columns
 * @param label        label column
 * @param algorithm    algorithm name ({@code random_forest}, {@code gradient_boosting}, {@code linear}, or registered)
 * @param params       algorithm parameters as given (unknown names are an error)
 * @param testFraction fraction of each device's usable rows held out for evaluation, in [0, 1)
 * @param timeColumns  when not empty, the holdout is each device's last rows by these columns; else a seeded random split
 * @param idColumn     record id column, or null
 * @param minRows      fewest usable rows (train and holdout together) a device needs
 * @param experiment   experiment the session belongs to
 * @param fleet        the fleet models trained beside the device models ({@link FleetSpec#NONE}: none)
 */
public record TrainSpec(String deviceColumn, List<String> features, String label, String algorithm,
                        Map<String, String> params, double testFraction, List<String> timeColumns,
                        String idColumn, int minRows, String experiment, FleetSpec fleet) implements java.io.Serializable {

    /** A spec of device models only. */
    public TrainSpec(String deviceColumn, List<String> features, String label, String algorithm, Map<String, String> params,
                     double testFraction, List<String> timeColumns, String idColumn, int minRows, String experiment) {
        this(deviceColumn, features, label, algorithm, params, testFraction, timeColumns, idColumn, minRows, experiment, FleetSpec.NONE);
    }

    public TrainSpec {
        fleet = fleet == null ? FleetSpec.NONE : fleet;
        if (testFraction + fleet.validationFraction() >= 1) {
            throw new FleetInputException("test fraction " + testFraction + " and validation fraction " + fleet.validationFraction()
                    + " leave no training rows; their sum must be below 1");
        }
        features = List.copyOf(features);
        params = Map.copyOf(params);
        timeColumns = timeColumns == null ? List.of() : List.copyOf(timeColumns);
        if (!(testFraction >= 0 && testFraction < 1)) {
            throw new FleetInputException("test fraction must be in [0, 1), got " + testFraction);
        }
        if (minRows < 2) {
            throw new FleetInputException("min rows must be at least 2, got " + minRows);
        }
    }

    public static Builder builder(String deviceColumn, List<String> features, String label) {
        return new Builder(deviceColumn, features, label);
    }

    /** The algorithm, looked up by name. */
    public Algorithm resolveAlgorithm() {
        return Algorithms.named(algorithm);
    }

    /** Parameters merged with the algorithm's defaults; throws on an unknown name or bad value. */
    public Map<String, String> resolvedParams() {
        return Params.resolve(resolveAlgorithm(), params);
    }

    /** The seed of the holdout split: the {@code seed} parameter when given, else 42. */
    public long seed() {
        String s = resolvedParams().getOrDefault("seed", "42");
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new FleetInputException("parameter seed=" + s + " is not a whole number");
        }
    }

    /**
     * Fails, before any work, on an unknown algorithm, an unknown parameter or a bad parameter value
     * (building a trainer parses the values).
     */
    public void check() {
        resolveAlgorithm().trainer(resolvedParams(), 1);
        seed();
        if (fleet.enabled()) {
            fleet.resolveAlgorithm().trainer(fleet.resolvedParams(), 1);
        }
    }

    /** The record-id column when a spec names none: {@code record_id} if the data has one, else none (row numbers). */
    public static String defaultIdColumn(List<String> columns) {
        return columns.contains("record_id") ? "record_id" : null;
    }

    /**
     * What scoring reads of data with these {@code columns}: the device and feature columns, and the record id
     * from {@code idColumn} when given, else the training id column when the data has it, else {@code record_id}
     * when there is one, else the row number.
     */
    public FrameQuery scoreQuery(List<String> columns, String idColumn) {
        String id = idColumn != null ? idColumn : this.idColumn != null && columns.contains(this.idColumn) ? this.idColumn : defaultIdColumn(columns);
        return new FrameQuery(deviceColumn, features, null, id, List.of());
    }

    public FrameQuery frameQuery() {
        return new FrameQuery(deviceColumn, features, label, idColumn, timeColumns);
    }

    /** Builds a spec with the defaults a user would expect. */
    public static final class Builder {
        private final String deviceColumn;
        private final List<String> features;
        private final String label;
        private String algorithm = "random_forest";
        private final Map<String, String> params = new LinkedHashMap<>();
        private double testFraction = 0.2;
        private List<String> timeColumns = new ArrayList<>();
        private String idColumn;
        private int minRows = 10;
        private String experiment = "default";
        private FleetSpec fleet = FleetSpec.NONE;

        private Builder(String deviceColumn, List<String> features, String label) {
            this.deviceColumn = deviceColumn;
            this.features = features;
            this.label = label;
        }

        public Builder algorithm(String name) {
            this.algorithm = name;
            return this;
        }

        /** Uses (and registers) a user's own algorithm. */
        public Builder algorithm(Algorithm custom) {
            Algorithms.register(custom);
            this.algorithm = custom.name();
            return this;
        }

        public Builder param(String name, Object value) {
            params.put(name, String.valueOf(value));
            return this;
        }

        public Builder params(Map<String, String> values) {
            params.putAll(values);
            return this;
        }

        public Builder testFraction(double fraction) {
            this.testFraction = fraction;
            return this;
        }

        public Builder timeColumns(List<String> columns) {
            this.timeColumns = new ArrayList<>(columns);
            return this;
        }

        public Builder timeColumn(String column) {
            return timeColumns(List.of(column));
        }

        public Builder idColumn(String column) {
            this.idColumn = column;
            return this;
        }

        public Builder minRows(int rows) {
            this.minRows = rows;
            return this;
        }

        public Builder experiment(String name) {
            this.experiment = name;
            return this;
        }

        /** Also trains fleet models ({@link FleetSpec}). */
        public Builder fleet(FleetSpec fleet) {
            this.fleet = fleet;
            return this;
        }

        public TrainSpec build() {
            return new TrainSpec(deviceColumn, features, label, algorithm, params, testFraction, timeColumns,
                    idColumn, minRows, experiment, fleet);
        }
    }
}
