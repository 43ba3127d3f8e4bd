package io.fleetml.cli;

import io.fleetml.command.Sessions;
import io.fleetml.command.StoreOption;
import io.fleetml.command.Text;
import io.fleetml.store.FleetStore;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.SessionSummary;
import io.fleetml.train.TrainSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "sessions", mixinStandardHelpOptions = true, description = "List training sessions, newest first; show or delete one.",
        subcommands = {SessionsCommand.Show.class, SessionsCommand.Delete.class})
final class SessionsCommand implements Callable<Integer> {
    @Spec
    CommandSpec command;

    @Mixin
    StoreOption store;

    @Option(names = "--experiment", paramLabel = "NAME", description = "Only this experiment's sessions.")
    String experiment;

    @Option(names = "--json", description = "Print the sessions as a JSON array, for scripts.")
    boolean json;

    @Override
    public Integer call() {
        try (FleetStore s = store.openExisting()) {
            List<SessionRecord> sessions = s.tracking().sessions(experiment);
            PrintWriter out = command.commandLine().getOut();
            if (json) {
                Json.print(out, sessions.stream().map(Json::session).toList());
                return 0;
            }
            if (sessions.isEmpty()) {
                out.println("no sessions in " + store.dir() + (experiment != null ? " for experiment " + experiment : "") + "; run fleetml train first");
                return 0;
            }
            List<List<String>> rows = new ArrayList<>();
            for (SessionRecord r : sessions) {
                SessionSummary m = r.summary();
                rows.add(List.of(r.id(), r.experiment(), r.status().name(), r.startedAt().replaceFirst("\\.\\d+Z$", "Z"), r.spec().label(),
                        r.spec().algorithm(), Text.count(r.nDevices()), m == null ? "-" : Text.count(m.ok()),
                        m == null ? "-" : Text.count(m.failed() + m.skipped()), m == null ? "-" : Text.num(m.mseP50()),
                        r.parent() == null ? "-" : r.parent(), r.dataSource()));
            }
            out.print(Text.table(List.of("session", "experiment", "status", "started", "label", "algorithm", "devices", "ok", "failed",
                    "median_mse", "retrained_from", "data"), rows));
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Show a session: what it trained and on what, its outcome, and where it came from.")
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec command;

        @Mixin
        StoreOption store;

        @Parameters(paramLabel = "SESSION", description = "Session id, or 'latest'.")
        String session;

        @Option(names = "--experiment", paramLabel = "NAME", description = "With 'latest': the newest of this experiment's sessions.")
        String experiment;

        @Option(names = "--json", description = "Print the session as a JSON object, for scripts.")
        boolean json;

        @Override
        public Integer call() {
            try (FleetStore s = store.openExisting()) {
                SessionRecord r = Sessions.find(s.tracking(), session, experiment);
                PrintWriter out = command.commandLine().getOut();
                if (json) {
                    Json.print(out, Json.session(r));
                    return 0;
                }
                TrainSpec spec = r.spec();
                out.printf("session %s  experiment %s  %s%n", r.id(), r.experiment(), r.status());
                out.printf("  started %s, %s; engine %s%s%n", r.startedAt(), r.endedAt() == null ? "not ended" : "ended " + r.endedAt(), r.engine(),
                        r.owner() == null ? "" : "; process " + r.owner());
                out.printf("  data: %s (%s rows, %s devices, device ids %s)%s%n", r.dataSource(), Text.count(r.nRows()), Text.count(r.nDevices()),
                        r.deviceIds().name().toLowerCase(java.util.Locale.ROOT), r.dataLocation() == null ? "" : "; read from " + r.dataLocation());
                out.printf("  device column %s · label %s · features %s%n", spec.deviceColumn(), spec.label(), String.join(", ", spec.features()));
                out.printf("  algorithm %s %s%n", spec.algorithm(), spec.params().isEmpty() ? "(defaults)" : spec.params());
                out.printf("  holdout: %s · id column %s · at least %d rows per device%n", spec.timeColumns().isEmpty()
                                ? "random " + spec.testFraction() + " of each device's rows" : "each device's last " + spec.testFraction() + " by "
                                + String.join(", ", spec.timeColumns()), spec.idColumn() == null ? "(row number)" : spec.idColumn(), spec.minRows());
                if (spec.fleet().enabled()) {
                    out.printf("  fleet: --fleet %s · %s %s · validation %s of each device's rows · sample cap %s rows%n", spec.fleet().mode().label(),
                            spec.fleet().algorithm(), spec.fleet().params().isEmpty() ? "(defaults)" : spec.fleet().params(),
                            spec.fleet().validationFraction(), Text.count(spec.fleet().sampleRows()));
                }
                if (r.parent() != null) {
                    out.printf("  retrained from %s: %s%n", r.parent(), r.selection() == null ? "" : r.selection().describe(r.parent()));
                }
                SessionSummary m = r.summary();
                if (m != null) {
                    out.printf("  devices: %s OK, %s failed, %s skipped%s · %s rows used · %.2f s%n", Text.count(m.ok()), Text.count(m.failed()),
                            Text.count(m.skipped()), m.inherited() > 0 ? " (" + Text.count(m.inherited()) + " carried over)" : "",
                            Text.count(m.rowsUsed()), m.seconds());
                    out.printf("  holdout MSE: median %s, p90 %s, max %s · R²: median %s, p10 %s%n", Text.num(m.mseP50()), Text.num(m.mseP90()),
                            Text.num(m.mseMax()), Text.num(m.r2P50()), Text.num(m.r2P10()));
                }
                if (r.fleet() != null) {
                    io.fleetml.command.Reports.fleet(out, r.fleet());
                }
                if (r.error() != null) {
                    out.printf("  error: %s%n", r.error());
                }
                out.printf("  models: %s%s/%n", r.artifactRoot(), r.id());
                return 0;
            }
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = {"Delete sessions: their device runs, and the model files no other session uses.",
                    "A session that retrained one of these keeps the models it inherited. A running session is refused."})
    static final class Delete implements Callable<Integer> {
        @Spec
        CommandSpec command;

        @Mixin
        StoreOption store;

        @Parameters(arity = "1..*", paramLabel = "SESSION", description = "Session ids.")
        List<String> sessions;

        @Override
        public Integer call() {
            try (FleetStore s = store.openExisting()) {
                FleetStore.Deletion d = s.delete(sessions);
                PrintWriter out = command.commandLine().getOut();
                out.printf("deleted %s (%s); removed %s model %s%n", sessions.size() == 1 ? "session " + sessions.get(0) : sessions.size() + " sessions",
                        String.join(", ", sessions.size() == 1 ? List.of("its device runs") : sessions), Text.count(d.packsDeleted()),
                        d.packsDeleted() == 1 ? "pack" : "packs");
                if (!d.packsLeft().isEmpty()) {
                    out.printf("  could not remove %d model packs; remove them by hand:%n", d.packsLeft().size());
                    d.packsLeft().forEach(p -> out.printf("    %s%n", p));
                }
                return 0;
            }
        }
    }
}
