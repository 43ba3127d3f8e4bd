package io.fleetml.cli;

import io.fleetml.store.FleetStore;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.SessionSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "sessions", description = "List training sessions, newest first.")
final class SessionsCommand implements Callable<Integer> {
    @Spec
    CommandSpec command;

    @Mixin
    StoreOption store;

    @Option(names = "--experiment", paramLabel = "NAME", description = "Only this experiment's sessions.")
    String experiment;

    @Override
    public Integer call() {
        try (FleetStore s = store.open()) {
            List<List<String>> rows = new ArrayList<>();
            for (SessionRecord r : s.tracking().sessions(experiment)) {
                SessionSummary m = r.summary();
                rows.add(List.of(r.id(), r.experiment(), r.status(), r.startedAt().replaceFirst("\\.\\d+Z$", "Z"), r.spec().algorithm(),
                        Text.count(r.nDevices()), m == null ? "-" : Text.count(m.ok()), m == null ? "-" : Text.count(m.failed() + m.skipped()),
                        m == null ? "-" : Text.num(m.mseP50()), r.dataSource()));
            }
            var out = command.commandLine().getOut();
            if (rows.isEmpty()) {
                out.println("no sessions in " + store.dir() + (experiment != null ? " for experiment " + experiment : "") + "; run fleetml train first");
                return 0;
            }
            out.print(Text.table(List.of("session", "experiment", "status", "started", "algorithm", "devices", "ok", "failed", "median_mse", "data"), rows));
            return 0;
        }
    }
}
