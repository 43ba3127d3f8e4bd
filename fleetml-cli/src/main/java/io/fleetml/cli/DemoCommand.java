package io.fleetml.cli;

import io.fleetml.command.StoreOption;
import io.fleetml.command.Text;
import io.fleetml.data.DuckDbFleetSource;
import io.fleetml.data.SyntheticFleet;
import io.fleetml.engine.LocalEngine;
import io.fleetml.engine.TrainingCoordinator;
import io.fleetml.store.FleetStore;
import io.fleetml.store.SessionRecord;
import io.fleetml.train.TrainSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "demo", mixinStandardHelpOptions = true, description = "Generate a synthetic fleet, train one model per device, score every record and show where it all went.")
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec command;

    @Mixin
    StoreOption store;

    @Option(names = "--dir", defaultValue = "fleetml-demo", description = "Where to write the demo's data, results and predictions (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--devices", defaultValue = "10", description = "Devices (default: ${DEFAULT-VALUE}).")
    int devices;

    @Option(names = "--rows-per-device", defaultValue = "100000", description = "Rows per device (default: ${DEFAULT-VALUE}).")
    int rowsPerDevice;

    @Override
    public Integer call() throws Exception {
        var print = command.commandLine().getOut();
        Files.createDirectories(dir);
        Path fleet = dir.resolve("fleet.parquet");
        print.printf("1. generate: %s devices × %s rows -> %s%n", Text.count(devices), Text.count(rowsPerDevice), fleet);
        SyntheticFleet.write(fleet, devices, rowsPerDevice, 42);
        print.printf("%n2. train: random_forest (n_estimators=100, max_depth=8), one model per device_id%n");
        TrainSpec spec = TrainSpec.builder("device_id", SyntheticFleet.FEATURES, "label").algorithm("random_forest")
                .idColumn("record_id").experiment("demo").build();
        try (DuckDbFleetSource source = DuckDbFleetSource.open(fleet.toString()); FleetStore s = store.open()) {
            var err = command.commandLine().getErr();
            TrainingCoordinator.Plan plan = TrainingCoordinator.fresh(spec);
            int code = TrainCommand.run(source, plan, s, store, dir.resolve("results.csv"), new LocalEngine(), print, err);
            if (code != 0) {
                return code;
            }
            print.printf("%n3. score: every record with its device's model%n");
            SessionRecord trained = s.tracking().latest("demo").orElseThrow();
            code = ScoreCommand.score(source, trained, null, io.fleetml.resolve.ModelUse.CHOSEN, s, dir.resolve("predictions.parquet"), null, List.of(), new LocalEngine(), print, err);
            if (code != 0) {
                return code;
            }
        }
        print.printf("%nNext: fleetml sessions --store %s · fleetml devices latest --sort mse --store %s%n", store.dir(), store.dir());
        return 0;
    }
}
