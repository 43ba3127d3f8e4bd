package io.fleetml.cli;

import io.fleetml.command.ExitCode;
import io.fleetml.command.Sessions;
import io.fleetml.command.StoreOption;
import io.fleetml.command.Text;
import io.fleetml.data.FleetInputException;
import io.fleetml.mlflow.MlflowException;
import io.fleetml.mlflow.MlflowExport;
import io.fleetml.mlflow.MlflowHttp;
import io.fleetml.mlflow.NestedPolicy;
import io.fleetml.store.DeviceQuery;
import io.fleetml.store.FleetStore;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.StoreException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

@Command(name = "mlflow", mixinStandardHelpOptions = true,
        description = "MLflow interop: put a session into a team's MLflow tracking server.",
        subcommands = {MlflowCommand.Export.class})
final class MlflowCommand implements Runnable {
    @Spec
    CommandSpec command;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(command.commandLine(), "name an mlflow command: export");
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = {"Export a finished session to an MLflow server: the session as a parent run (spec as params, summary as metrics, "
                    + "its results table, model packs and a python_function MLmodel as artifacts), a nested run per device the --nested "
                    + "policy picks, and with --register a registered-model version.",
                    "Run it again to complete an interrupted export: runs already there are found by their tags, not made twice."})
    static final class Export implements Callable<Integer> {
        @Spec
        CommandSpec command;

        @Mixin
        StoreOption store;

        @Parameters(index = "0", paramLabel = "SESSION", description = "Session id, or 'latest'.")
        String session;

        @Option(names = "--tracking-uri", paramLabel = "URL", description = "The MLflow server, e.g. http://localhost:5000 (default: $MLFLOW_TRACKING_URI). "
                + "Credentials from $MLFLOW_TRACKING_TOKEN, or $MLFLOW_TRACKING_USERNAME and $MLFLOW_TRACKING_PASSWORD.")
        String trackingUri;

        @Option(names = "--experiment", paramLabel = "NAME", description = "The MLflow experiment (created when missing; default: the session's experiment).")
        String experiment;

        @Option(names = "--nested", paramLabel = "POLICY", defaultValue = "default", description = "Which devices get a nested run: default (all "
                + "up to " + NestedPolicy.DEFAULT_ALL_UP_TO + " devices, else the failed ones and the " + NestedPolicy.DEFAULT_WORST
                + " worst by holdout MSE), all, failed, worst:N or none.")
        String nested;

        @Option(names = "--register", paramLabel = "NAME[@ALIAS]", description = "Register the exported fleet model as a new version of NAME "
                + "(created when missing), and point ALIAS at it.")
        String register;

        @Option(names = "--parallel", paramLabel = "N", defaultValue = "8", description = "Requests in flight at once (default: ${DEFAULT-VALUE}).")
        int parallel;

        @Option(names = "--attempts", paramLabel = "N", defaultValue = "6", description = "Tries per request when the server does not answer, "
                + "or answers 429 or 5xx, waiting longer each time (default: ${DEFAULT-VALUE}, over about 15 s).")
        int attempts;

        @Option(names = "--session-experiment", paramLabel = "NAME", description = "With 'latest': the newest of this fleetml experiment's sessions.")
        String sessionExperiment;

        @Override
        public Integer call() {
            String uri = trackingUri(trackingUri);
            MlflowExport.Options options = options(experiment, nested, register, parallel);
            try (FleetStore s = store.openExisting()) {
                SessionRecord r = Sessions.find(s.tracking(), session, sessionExperiment);
                return export(s, r, uri, options, attempts, command.commandLine().getOut(), command.commandLine().getErr());
            }
        }
    }

    /** The server: {@code --tracking-uri}, else {@code $MLFLOW_TRACKING_URI}. */
    static String trackingUri(String given) {
        String uri = given != null ? given : System.getenv("MLFLOW_TRACKING_URI");
        if (uri == null || uri.isBlank()) {
            throw new FleetInputException("name the MLflow server: --tracking-uri http://HOST:PORT (or set MLFLOW_TRACKING_URI)");
        }
        return uri;
    }

    static MlflowExport.Options options(String experiment, String nested, String register, int parallel) {
        NestedPolicy policy;
        try {
            policy = NestedPolicy.parse(nested);
        } catch (IllegalArgumentException e) {
            throw new FleetInputException(e.getMessage());
        }
        if (parallel < 1 || parallel > 256) {
            throw new FleetInputException("--parallel must be between 1 and 256, not " + parallel);
        }
        String name = null;
        String alias = null;
        if (register != null) {
            int at = register.lastIndexOf('@');
            name = at < 0 ? register : register.substring(0, at);
            alias = at < 0 ? null : register.substring(at + 1);
            if (name.isBlank() || alias != null && alias.isBlank()) {
                throw new FleetInputException("--register takes NAME or NAME@ALIAS, e.g. --register pumps@champion; not '" + register + "'");
            }
        }
        return new MlflowExport.Options(experiment, policy, name, alias, parallel);
    }

    /**
     * Exports {@code session} and prints what was done; the exit code says how it went. An MLflow server that does not
     * answer is {@link ExitCode#STORE_UNAVAILABLE}; one that refuses a request, {@link ExitCode#FAILED} with its words.
     */
    static int export(FleetStore store, SessionRecord session, String uri, MlflowExport.Options options, int attempts, PrintWriter out,
                      PrintWriter err) {
        if (attempts < 1) {
            throw new FleetInputException("--attempts must be at least 1, not " + attempts);
        }
        MlflowHttp http;
        try {
            MlflowHttp.Retry d = MlflowHttp.Retry.DEFAULT;
            http = new MlflowHttp(uri, new MlflowHttp.Retry(attempts, d.first(), d.max()), System.getenv());
        } catch (IllegalArgumentException e) {
            throw new FleetInputException(e.getMessage());
        }
        MlflowExport.Result r;
        try {
            r = new MlflowExport(http, store).export(session, options);
        } catch (MlflowException e) {
            if (e.unavailable()) {
                throw StoreException.unavailable(e.getMessage(), e);
            }
            err.println("fleetml: error: " + e.getMessage().replace('\n', ' '));
            err.flush();
            return ExitCode.FAILED;
        }
        long devices = store.tracking().countDevices(session.id(), DeviceQuery.ALL);
        out.printf("exported session %s to MLflow at %s, experiment '%s' (id %s)%n", session.id(), http.base(), r.experimentName(), r.experimentId());
        out.printf("  parent run %s (%s): params, metrics, status %s%n", r.parentRunId(),
                r.parentCreated() ? "created" : "found from an earlier export; completed", session.status());
        out.printf("  nested runs (--nested %s, of %s devices): %s: %s created, %s completed, %s already there%s%n", options.nested(),
                Text.count(devices), Text.count(r.nestedSelected()), Text.count(r.nestedCreated()), Text.count(r.nestedCompleted()),
                Text.count(r.nestedExisting()), r.nestedCreated() + r.nestedCompleted() == 0 ? ""
                        : String.format(" in %.2f s (%s runs/s)", r.nestedSeconds(), Text.rate(r.nestedCreated() + r.nestedCompleted(), r.nestedSeconds())));
        out.printf("  artifacts: %d files uploaded%s; fleet model %s%n", r.uploaded(), r.kept() == 0 ? "" : ", " + r.kept() + " packs already there",
                r.modelUri());
        if (r.registered() != null) {
            out.printf("  registered %s%s%n", r.registered(), options.registerAlias() == null ? "" : " (alias " + options.registerAlias() + ")");
        }
        out.printf("  %s requests (%s retried) in %.2f s; open %s/#/experiments/%s/runs/%s%n", Text.count(r.requests()), Text.count(r.retries()),
                r.seconds(), http.base(), r.experimentId(), r.parentRunId());
        out.flush();
        for (String w : r.warnings()) {
            err.println("fleetml: warning: " + w);
        }
        err.flush();
        return ExitCode.OK;
    }
}
