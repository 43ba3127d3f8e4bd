package io.fleetml.command;

import io.fleetml.engine.TrainReport;
import io.fleetml.fleet.FleetReport;
import io.fleetml.score.ScoreReport;
import io.fleetml.store.DeviceQuery;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.SessionSummary;
import io.fleetml.store.TrackingStore;
import io.fleetml.train.TrainOutcome;

import java.io.PrintWriter;
import java.util.List;
import java.util.Set;

/** The summaries the {@code fleetml} command and the Spark job print, word for word the same. */
public final class Reports {
    private Reports() {
    }

    /**
     * A training session's summary: counts, the holdout metrics' distribution, the worst devices, the first
     * failures, and where everything went.
     *
     * @param engine  what trained it, e.g. {@code fleet.csv} or {@code Spark local[2]}
     * @param results where the per-device results were written, or null
     * @param store   the store, for people
     */
    public static void train(PrintWriter out, TrainReport report, TrackingStore tracking, String engine, String results, String store) {
        SessionRecord session = report.session();
        SessionSummary s = report.summary();
        out.printf("session %s  experiment %s  %s on %s%n", session.id(), session.experiment(), session.spec().algorithm(), engine);
        if (session.parent() != null) {
            out.printf("  retrained %s devices (%s); %s carried over from %s%n", Text.count(report.trained()),
                    session.selection() == null ? "" : session.selection().describe(session.parent()), Text.count(s.inherited()), session.parent());
        } else if (report.trained() < s.devices()) {
            out.printf("  resumed: trained the %s devices that had no run; %s had one%n", Text.count(report.trained()),
                    Text.count(s.devices() - report.trained()));
        }
        out.printf("  devices: %s OK, %s failed, %s skipped of %s · %s rows used · %.2f s (%s devices/s)%n",
                Text.count(s.ok()), Text.count(s.failed()), Text.count(s.skipped()), Text.count(s.devices()),
                Text.count(s.rowsUsed()), s.seconds(), Text.rate(report.trained(), s.seconds()));
        out.printf("  holdout MSE: median %s, p90 %s, max %s · R²: median %s, p10 %s%n",
                Text.num(s.mseP50()), Text.num(s.mseP90()), Text.num(s.mseMax()), Text.num(s.r2P50()), Text.num(s.r2P10()));
        if (session.fleet() != null) {
            fleet(out, session.fleet());
        }
        if (!s.worst().isEmpty()) {
            out.print("  worst devices by R²:");
            for (SessionSummary.WorstDevice w : s.worst()) {
                out.printf(" %s (R² %s, MSE %s)", w.deviceId(), Text.num(w.r2()), Text.num(w.mse()));
            }
            out.println();
        }
        if (s.failed() + s.skipped() > 0) {
            List<TrainOutcome> failures = tracking.devices(session.id(), DeviceQuery.ALL
                    .withStatuses(Set.of(TrainOutcome.Status.FAILED, TrainOutcome.Status.SKIPPED)).page(5, 0));
            failures.forEach(o -> out.printf("  %s %s: %s%n", o.status(), o.deviceId(), o.error()));
            if (s.failed() + s.skipped() > failures.size()) {
                out.printf("  ... see all with: fleetml devices %s --status FAILED,SKIPPED%n", session.id());
            }
        }
        if (results != null) {
            out.printf("  results: %s%n", results);
        }
        out.printf("  store: %s (models under %s%s/)%n", store, session.artifactRoot(), session.id());
        out.flush();
    }

    /** A fleet session's models and how they compare on the test rows, side by side (train's summary and sessions show). */
    public static void fleet(PrintWriter out, FleetReport f) {
        StringBuilder chosen = new StringBuilder();
        f.chosen().forEach((k, v) -> chosen.append(chosen.length() == 0 ? "" : ", ").append(k).append(' ').append(Text.count(v)));
        out.printf("  fleet models (--fleet %s): %s fit on %s sampled training rows (at most %s a device); chosen: %s%n", f.mode().label(),
                f.algorithm(), Text.count(f.sampleRows()), Text.count(f.quota()), chosen);
        if (f.table().isEmpty()) {
            return;
        }
        out.println("  test MSE by model (weighted by rows; median over devices):");
        List<List<String>> rows = new java.util.ArrayList<>();
        for (String model : io.fleetml.fleet.FleetComparison.MODELS) {
            FleetReport.Row own = row(f, model, "own");
            FleetReport.Row all = row(f, model, "all");
            if (own == null && all == null) {
                continue;
            }
            rows.add(List.of("  " + model, cell(own, FleetReport.Row::mse), cell(own, FleetReport.Row::medianMse),
                    own == null ? "-" : Text.count(own.devices()), cell(all, FleetReport.Row::mse), cell(all, FleetReport.Row::medianMse),
                    all == null ? "-" : Text.count(all.devices())));
        }
        out.print(Text.table(List.of("  model", "MSE", "median", "devices", "MSE (all)", "median (all)", "devices (all)"), rows));
        out.println("  (first three columns: devices with a model of their own, where device-only predicts; then all devices)");
    }

    private static FleetReport.Row row(FleetReport f, String model, String scope) {
        return f.table().stream().filter(r -> r.model().equals(model) && r.scope().equals(scope)).findFirst().orElse(null);
    }

    private static String cell(FleetReport.Row r, java.util.function.ToDoubleFunction<FleetReport.Row> v) {
        return r == null ? "-" : Text.num(v.applyAsDouble(r));
    }

    /**
     * The exit code of a training command: {@link ExitCode#NOTHING_DONE}, with the reason on {@code err}, when no
     * device has a model.
     */
    public static int trainExit(TrainReport report, PrintWriter err) {
        SessionSummary s = report.summary();
        if (s.ok() > 0 || report.session().fleet() != null) {
            return ExitCode.OK; // with a fleet model, every device has one
        }
        err.println("fleetml: no device trained (" + s.failed() + " failed, " + s.skipped()
                + " skipped); see the reasons above or with: fleetml devices " + report.session().id());
        err.flush();
        return ExitCode.NOTHING_DONE;
    }

    /** The heading of the few predictions a scoring command shows when it writes no file. */
    public static void predictionsHeader(PrintWriter out) {
        out.println("record_id  device_id  prediction  model   (first 10; write all with --out)");
    }

    /** One of the few predictions a scoring command shows. */
    public static void prediction(PrintWriter out, Object recordId, String deviceId, double prediction, String model) {
        out.printf("%s  %s  %s  %s%n", recordId, deviceId, Text.num(prediction), model == null ? "-" : model);
    }

    /**
     * A scoring run's summary: what was predicted, what was not and why.
     *
     * @param version the registered version scored (e.g. {@code pumps/3}), or null when a session was named
     * @param seconds the whole command's time, writing included
     * @param written where the predictions went, or null
     */
    public static void score(PrintWriter out, ScoreReport r, String session, String version, double seconds, String written) {
        out.printf("scored %s of %s records (%s devices) with %s in %.2f s (%s records/s)%n", Text.count(r.predicted()),
                Text.count(r.records()), Text.count(r.devices()), version == null ? "session " + session : version + " (session " + session + ")",
                seconds, Text.rate(r.records(), seconds));
        if (r.byModel().size() > 1) {
            StringBuilder by = new StringBuilder();
            r.byModel().forEach((m, n) -> by.append(by.length() == 0 ? "" : ", ").append(m).append(' ').append(Text.count(n)));
            out.printf("  records by model: %s%n", by);
        }
        if (r.devicesWithoutModel() > 0) {
            out.printf("  no model: %s devices, %s records (unknown to the session, or failed/skipped there): no prediction%n",
                    Text.count(r.devicesWithoutModel()), Text.count(r.recordsWithoutModel()));
        }
        if (r.devicesUnreadable() > 0) {
            out.printf("  model unreadable: %s devices, %s records: no prediction%n", Text.count(r.devicesUnreadable()),
                    Text.count(r.recordsUnreadable()));
            for (ScoreReport.Unreadable u : r.unreadable()) {
                out.printf("    %s: %s%n", u.deviceId(), u.reason());
            }
            if (r.devicesUnreadable() > r.unreadable().size()) {
                out.printf("    ... and %s more; retrain them with: fleetml retrain %s --devices ...%n",
                        Text.count(r.devicesUnreadable() - r.unreadable().size()), session);
            }
        }
        if (r.recordsNotPredicted() > 0) {
            out.printf("  %s records have a missing feature the model cannot take: no prediction%n", Text.count(r.recordsNotPredicted()));
        }
        if (written != null) {
            out.printf("  predictions: %s%n", written);
        }
        out.flush();
    }

    /** The exit code of a scoring command: {@link ExitCode#NOTHING_DONE}, with the reason, when no record got a prediction. */
    public static int scoreExit(ScoreReport r, PrintWriter err) {
        if (r.predicted() > 0 || r.records() == 0) {
            return ExitCode.OK;
        }
        String why = r.devicesUnreadable() == r.devices() ? "no device's model could be read"
                : r.devicesWithoutModel() + r.devicesUnreadable() == r.devices() ? "none of the " + r.devices() + " devices has a usable model in the session"
                : "every record misses a feature the models cannot take";
        err.println("fleetml: no record predicted: " + why + "; see the summary above");
        err.flush();
        return ExitCode.NOTHING_DONE;
    }
}
