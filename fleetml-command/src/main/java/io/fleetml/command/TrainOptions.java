package io.fleetml.command;

import io.fleetml.fleet.FleetMode;
import io.fleetml.fleet.FleetSpec;
import io.fleetml.train.TrainSpec;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What to train: the columns, the algorithm and its parameters, the holdout. Shared by {@code fleetml train} and the Spark job. */
public final class TrainOptions {
    @Option(names = "--device-column", required = true, paramLabel = "COL", description = "Column naming the device.")
    String deviceColumn;

    @Option(names = "--features", required = true, split = ",", paramLabel = "A,B,C", description = "Numeric feature columns.")
    List<String> features;

    @Option(names = "--label", required = true, paramLabel = "COL", description = "Label column.")
    String label;

    @Option(names = "--algorithm", defaultValue = "random_forest", description = "random_forest (default), gradient_boosting or linear.")
    String algorithm;

    @Option(names = "--param", paramLabel = "NAME=VALUE", description = "Algorithm parameter, repeatable: n_estimators, max_depth, learning_rate, alpha, seed, ...")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--test-fraction", defaultValue = "0.2", description = "Holdout fraction per device (default: ${DEFAULT-VALUE}).")
    double testFraction;

    @Option(names = "--time-column", split = ",", paramLabel = "COL", description = "Hold out each device's last rows by this column (or columns) instead of a random split.")
    List<String> timeColumns = List.of();

    @Option(names = "--id-column", paramLabel = "COL", description = "Record id column (default: record_id when present).")
    String idColumn;

    @Option(names = "--min-rows", defaultValue = "10", description = "Fewest usable rows a device needs (default: ${DEFAULT-VALUE}).")
    int minRows;

    @Option(names = "--experiment", defaultValue = "default", description = "Experiment name (default: ${DEFAULT-VALUE}).")
    String experiment;

    @Option(names = "--fleet", defaultValue = "none", paramLabel = "MODE", description = "none (default): device models only; fallback: "
            + "also a fleet-wide model, and per device the better of it and the device's own; stack: also the hierarchical model "
            + "(fleet + the device's residual model) and a stacking ensemble among the choices.")
    String fleet;

    @Option(names = "--fleet-algorithm", paramLabel = "NAME", description = "With --fleet: the fleet model's algorithm (default: "
            + FleetSpec.DEFAULT_ALGORITHM + ").")
    String fleetAlgorithm;

    @Option(names = "--fleet-param", paramLabel = "NAME=VALUE", description = "With --fleet: a fleet model parameter, repeatable.")
    Map<String, String> fleetParams = new LinkedHashMap<>();

    @Option(names = "--validation-fraction", paramLabel = "F",
            description = "With --fleet: fraction of each device's rows that choose its model and fit the stacker, never trained on "
                    + "nor reported (default: 0.2).")
    Double validationFraction;

    @Option(names = "--fleet-sample-rows", paramLabel = "N",
            description = "With --fleet: most training rows the fleet model is fit on, shared out evenly over the devices (default: 2000000).")
    Long fleetSampleRows;

    /** The spec these options describe; the id column defaults to {@code record_id} when {@code columns} has one. */
    public TrainSpec spec(List<String> columns) {
        String id = idColumn != null ? idColumn : TrainSpec.defaultIdColumn(columns);
        return TrainSpec.builder(deviceColumn, features, label).algorithm(algorithm).params(params)
                .testFraction(testFraction).timeColumns(timeColumns).idColumn(id).minRows(minRows)
                .experiment(experiment).fleet(fleetSpec()).build();
    }

    private FleetSpec fleetSpec() {
        FleetMode mode = FleetMode.parse(fleet);
        if (mode == FleetMode.NONE) {
            if (fleetAlgorithm != null || !fleetParams.isEmpty() || validationFraction != null || fleetSampleRows != null) {
                throw new io.fleetml.data.FleetInputException("--fleet-algorithm, --fleet-param, --validation-fraction and --fleet-sample-rows "
                        + "set the fleet models: add --fleet fallback or --fleet stack");
            }
            return FleetSpec.NONE;
        }
        return new FleetSpec(mode, fleetAlgorithm == null ? FleetSpec.DEFAULT_ALGORITHM : fleetAlgorithm, fleetParams,
                validationFraction == null ? FleetSpec.DEFAULT_VALIDATION : validationFraction,
                fleetSampleRows == null ? FleetSpec.DEFAULT_SAMPLE_ROWS : fleetSampleRows);
    }
}
