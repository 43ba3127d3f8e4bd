package io.fleetml.server.mlflow;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.fleetml.mlflow.MlflowRuns;
import io.fleetml.mlflow.MlflowView;
import io.fleetml.mlflow.ProtoJson;
import io.fleetml.mlflow.RunFilter;
import io.fleetml.mlflow.RunFilter.Condition;
import io.fleetml.mlflow.RunFilter.Kind;
import io.fleetml.mlflow.RunIds;
import io.fleetml.store.DeviceQuery;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.TrackingStore;
import io.fleetml.train.TrainOutcome;
import org.mlflow.api.proto.Service.Run;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * One {@code runs/search}: the runs of the given sessions, each session's own run first, then its device runs. A
 * session's run is judged in memory (one per session); its device runs are filtered, ordered and paged by the store in
 * SQL, from what the filter says about them:
 * <ul>
 * <li>{@code tags.mlflow.parentRunId = 'S'} (or {@code tags.fleetml.session_id}), {@code params.*} and the time
 *     attributes are the session's: they keep or drop all its device runs at once;</li>
 * <li>{@code metrics.<k>} for the device metrics a run stores (mse, rmse, mae, r2, train_mse, n_rows, n_used, n_test,
 *     n_dropped, train_ms, fleet_/hier_/stack_ mse and r2) become SQL bounds; any other metric key matches no device run;</li>
 * <li>{@code attributes.status} = / != becomes a status set (FINISHED is OK; FAILED is FAILED or SKIPPED);</li>
 * <li>{@code attributes.run_name} (or {@code tags.mlflow.runName}, {@code tags.fleetml.device_id}) = reads one device,
 *     LIKE '%text%' searches ids containing the text; {@code attributes.run_id} = / IN reads those runs.</li>
 * </ul>
 * Orders: by a session's device order (the default, and {@code attributes.start_time}/{@code end_time}, which device
 * runs share with their session), {@code attributes.run_name}, or {@code metrics.mse}, {@code rmse}, {@code r2},
 * {@code n_used}, {@code train_ms} either way (runs without the metric last, as MLflow puts them); a metric order needs
 * the search confined to one session's device runs. What it cannot answer this way it refuses, naming what it can.
 */
final class RunSearch {
    private static final JsonFactory JSON = new JsonFactory();
    private static final Set<String> SESSION_TAGS = Set.of(MlflowView.PARENT_RUN_ID, MlflowView.SESSION_TAG);
    private static final Set<String> NAME_TAGS = Set.of(MlflowView.RUN_NAME, MlflowView.DEVICE_TAG);

    private final TrackingStore tracking;
    private final List<Condition> conditions;
    private final boolean deletedOnly;
    /** The one session the filter confines the search to, or null. */
    private String onlySession;
    private boolean nestedOnly;
    /** Conditions on the session (params, times, parent): judged once per session for its device runs. */
    private final List<Condition> sessionConditions = new ArrayList<>();
    private DeviceQuery devices = DeviceQuery.ALL;
    /** Whether no device run can match (a metric no device run has, a status none has). */
    private boolean noDevices;
    /** Device runs named exactly (run_name =, run_id = / IN): read one by one, judged in memory. */
    private List<String> exactDevices;
    private List<String> exactRunIds;

    RunSearch(TrackingStore tracking, List<Condition> conditions, List<RunFilter.Order> orders, boolean deletedOnly) {
        this.tracking = tracking;
        this.conditions = conditions;
        this.deletedOnly = deletedOnly;
        for (Condition c : conditions) {
            plan(c);
        }
        order(orders);
    }

    private void plan(Condition c) {
        switch (c.kind()) {
            case PARAM -> sessionConditions.add(c);
            case METRIC -> {
                DeviceQuery.Metric m = DeviceQuery.Metric.of(c.key());
                if (m == null) {
                    noDevices = true;
                } else {
                    devices = devices.bounded(new DeviceQuery.MetricBound(m, switch (c.comparator()) {
                        case "<" -> DeviceQuery.Comparison.LT;
                        case "<=" -> DeviceQuery.Comparison.LE;
                        case ">" -> DeviceQuery.Comparison.GT;
                        case ">=" -> DeviceQuery.Comparison.GE;
                        case "=" -> DeviceQuery.Comparison.EQ;
                        default -> DeviceQuery.Comparison.NE;
                    }, c.number()));
                }
            }
            case TAG -> {
                if (SESSION_TAGS.contains(c.key())) {
                    if (!c.comparator().equals("=")) {
                        throw MlflowError.invalid("fleetml answers tags." + c.key() + " with = only, not " + c.comparator());
                    }
                    if (onlySession != null && !onlySession.equals(c.text())) {
                        noDevices = true;
                    }
                    onlySession = c.text();
                    nestedOnly |= c.key().equals(MlflowView.PARENT_RUN_ID);
                } else if (NAME_TAGS.contains(c.key())) {
                    name(c);
                } else {
                    throw MlflowError.invalid("fleetml filters runs on the tags " + MlflowView.PARENT_RUN_ID + ", " + MlflowView.SESSION_TAG + ", "
                            + MlflowView.RUN_NAME + " and " + MlflowView.DEVICE_TAG + ", not '" + c.key() + "'");
                }
            }
            case ATTRIBUTE -> {
                switch (c.key()) {
                    case "status" -> status(c);
                    case "run_name" -> name(c);
                    case "run_id" -> {
                        if (!List.of("=", "IN").contains(c.comparator())) {
                            throw MlflowError.invalid("fleetml answers attributes.run_id with = or IN, not " + c.comparator());
                        }
                        List<String> ids = c.comparator().equals("=") ? List.of(c.text()) : c.values();
                        exactRunIds = exactRunIds == null ? ids : exactRunIds.stream().filter(ids::contains).toList();
                    }
                    case "start_time", "end_time", "created", "lifecycle_stage", "user_id" -> sessionConditions.add(c);
                    default -> throw MlflowError.invalid("fleetml does not filter runs on attributes." + c.key());
                }
            }
        }
    }

    private void status(Condition c) {
        if (!List.of("=", "!=").contains(c.comparator())) {
            throw MlflowError.invalid("fleetml answers attributes.status with = or !=, not " + c.comparator());
        }
        Set<TrainOutcome.Status> named = switch (c.text()) {
            case "FINISHED" -> EnumSet.of(TrainOutcome.Status.OK);
            case "FAILED" -> EnumSet.of(TrainOutcome.Status.FAILED, TrainOutcome.Status.SKIPPED);
            default -> EnumSet.noneOf(TrainOutcome.Status.class);
        };
        Set<TrainOutcome.Status> keep = c.comparator().equals("=") ? named : EnumSet.complementOf(EnumSet.copyOf(
                named.isEmpty() ? EnumSet.noneOf(TrainOutcome.Status.class) : named));
        if (c.comparator().equals("!=") && named.isEmpty()) {
            keep = EnumSet.allOf(TrainOutcome.Status.class);
        }
        Set<TrainOutcome.Status> now = devices.statuses().isEmpty() ? EnumSet.allOf(TrainOutcome.Status.class) : EnumSet.copyOf(devices.statuses());
        now.retainAll(keep);
        if (now.isEmpty()) {
            noDevices = true;
        } else {
            devices = devices.withStatuses(now);
        }
    }

    private void name(Condition c) {
        if (c.comparator().equals("=")) {
            exactDevices = exactDevices == null ? List.of(c.text()) : exactDevices.stream().filter(c.text()::equals).toList();
            return;
        }
        String p = c.text();
        if (c.comparator().equals("LIKE") && p.length() >= 2 && p.startsWith("%") && p.endsWith("%")
                && p.substring(1, p.length() - 1).chars().noneMatch(ch -> ch == '%' || ch == '_')) {
            if (devices.search() != null) {
                throw MlflowError.invalid("fleetml answers one run_name LIKE per search");
            }
            devices = devices.searching(p.substring(1, p.length() - 1));
            return;
        }
        throw MlflowError.invalid("fleetml answers a run name with = 'id' or LIKE '%text%' (ids containing the text), not "
                + c.comparator() + " '" + p + "'");
    }

    private void order(List<RunFilter.Order> orders) {
        RunFilter.Order chosen = null;
        for (RunFilter.Order o : orders) {
            if (o.kind() == Kind.ATTRIBUTE && (o.key().equals("start_time") || o.key().equals("end_time") || o.key().equals("created"))) {
                continue; // device runs share their session's times: the session order already is this order
            }
            if (chosen != null) {
                throw MlflowError.invalid("fleetml orders runs by one metric or run_name at a time (besides start_time)");
            }
            chosen = o;
        }
        if (chosen == null) {
            return;
        }
        if (chosen.kind() == Kind.ATTRIBUTE && chosen.key().equals("run_name")) {
            devices = devices.sorted(DeviceQuery.Sort.DEVICE).reversed(!chosen.ascending());
            return;
        }
        if (chosen.kind() != Kind.METRIC) {
            throw MlflowError.invalid("fleetml orders runs by attributes.start_time, attributes.run_name or metrics.mse, rmse, r2, n_used, train_ms; not "
                    + chosen.kind().name().toLowerCase() + "s." + chosen.key());
        }
        // each sort's natural order is worst first; reversed is best first; runs without the metric are last either way
        boolean asc = chosen.ascending();
        devices = switch (chosen.key()) {
            case "mse", "rmse" -> devices.sorted(DeviceQuery.Sort.MSE).reversed(asc);
            case "r2" -> devices.sorted(DeviceQuery.Sort.R2).reversed(!asc);
            case "n_used" -> devices.sorted(DeviceQuery.Sort.N_USED).reversed(!asc);
            case "train_ms" -> devices.sorted(DeviceQuery.Sort.TRAIN_MS).reversed(asc);
            default -> throw MlflowError.invalid("fleetml orders runs by metrics.mse, rmse, r2, n_used or train_ms; not metrics." + chosen.key());
        };
        if (!nestedOnly) {
            throw MlflowError.invalid("ordering by metrics." + chosen.key() + " needs the search confined to one session's device runs: "
                    + "add tags.mlflow.parentRunId = '<session id>' to the filter");
        }
    }

    /** One page, as MLflow's {@code SearchRuns.Response} JSON. */
    record Page(byte[] json) {
    }

    /** Where a page starts: a session, whether its own run was passed, and the offset in its device runs. */
    private record Cursor(String sessionId, boolean parentDone, long offset) {
        String encode() {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(("r:" + (parentDone ? "d" : "p") + ":" + offset + ":" + sessionId)
                    .getBytes(StandardCharsets.UTF_8));
        }

        static Cursor decode(String token) {
            try {
                String[] p = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8).split(":", 4);
                if (p.length == 4 && p[0].equals("r") && (p[1].equals("d") || p[1].equals("p"))) {
                    long offset = Long.parseLong(p[2]);
                    if (offset >= 0) {
                        return new Cursor(p[3], p[1].equals("d"), offset);
                    }
                }
            } catch (IllegalArgumentException e) {
                // below
            }
            throw MlflowError.invalid("Invalid page token: pass the next_page_token of the previous page as it was, with the same filter and order");
        }
    }

    Page page(List<SessionRecord> all, Function<SessionRecord, String> experimentId, int max, String token) {
        List<SessionRecord> sessions = deletedOnly ? List.of() : onlySession == null ? all
                : all.stream().filter(s -> s.id().equals(onlySession)).toList();
        Cursor at = token == null || token.isEmpty() ? null : Cursor.decode(token);
        int start = 0;
        if (at != null) {
            start = -1;
            for (int i = 0; i < sessions.size(); i++) {
                if (sessions.get(i).id().equals(at.sessionId())) {
                    start = i;
                }
            }
            if (start < 0) {
                throw MlflowError.invalid("Invalid page token: its session " + at.sessionId() + " is not among those searched (deleted meanwhile?)");
            }
        }
        List<Run> runs = new ArrayList<>();
        String next = null;
        for (int i = start; i < sessions.size() && next == null; i++) {
            SessionRecord s = sessions.get(i);
            String exp = experimentId.apply(s);
            boolean parentDone = at != null && i == start && at.parentDone();
            long offset = at != null && i == start ? at.offset() : 0;
            if (runs.size() == max) {
                next = new Cursor(s.id(), parentDone, offset).encode();
                break;
            }
            Map<String, String> params = MlflowView.params(s);
            if (!parentDone && !nestedOnly) {
                Run own = MlflowRuns.session(s, exp);
                if ((exactRunIds == null || exactRunIds.contains(s.id())) && RunFilter.test(conditions, own)) {
                    runs.add(own);
                }
                if (runs.size() == max) {
                    next = new Cursor(s.id(), true, 0).encode();
                    break;
                }
            }
            if (noDevices || !sessionMatches(s, exp, params)) {
                continue;
            }
            if (exactDevices != null || exactRunIds != null) {
                List<Run> named = named(s, exp, params);
                for (int k = (int) Math.min(offset, named.size()); k < named.size(); k++) {
                    if (runs.size() == max) {
                        next = new Cursor(s.id(), true, k).encode();
                        break;
                    }
                    runs.add(named.get(k));
                }
                continue;
            }
            int want = max - runs.size();
            List<TrainOutcome> page = tracking.devices(s.id(), devices.page(want + 1, offset));
            for (int k = 0; k < Math.min(want, page.size()); k++) {
                runs.add(MlflowRuns.device(s, exp, params, page.get(k)));
            }
            if (page.size() > want) {
                next = new Cursor(s.id(), true, offset + want).encode();
            }
        }
        return new Page(json(runs, next));
    }

    /** Whether a session's device runs may match: its params, times and parent, judged on one of its device runs' view. */
    private boolean sessionMatches(SessionRecord s, String exp, Map<String, String> params) {
        if (sessionConditions.isEmpty()) {
            return true;
        }
        TrainOutcome probe = TrainOutcome.failed("", 0, 0, "", 0);
        return RunFilter.test(sessionConditions, MlflowRuns.device(s, exp, params, probe));
    }

    /** The device runs named exactly, that meet the whole filter. */
    private List<Run> named(SessionRecord s, String exp, Map<String, String> params) {
        List<String> wanted = new ArrayList<>();
        if (exactRunIds != null) {
            for (String id : exactRunIds) {
                RunIds.Nested n = RunIds.parse(id);
                if (n != null && n.sessionId().equals(s.id()) && (exactDevices == null || exactDevices.contains(n.deviceId()))) {
                    wanted.add(n.deviceId());
                }
            }
        } else {
            wanted.addAll(exactDevices);
        }
        List<Run> out = new ArrayList<>();
        for (String d : wanted.stream().distinct().toList()) {
            tracking.device(s.id(), d).filter(o -> devices.bounds().stream().allMatch(b -> b.test(o)))
                    .filter(o -> devices.statuses().isEmpty() || devices.statuses().contains(o.status()))
                    .filter(o -> devices.search() == null || o.deviceId().contains(devices.search()))
                    .map(o -> MlflowRuns.device(s, exp, params, o)).ifPresent(out::add);
        }
        return out;
    }

    private static byte[] json(List<Run> runs, String next) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024 + runs.size() * 1500);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            if (!runs.isEmpty()) {
                g.writeArrayFieldStart("runs");
                for (Run r : runs) {
                    ProtoJson.message(g, r);
                }
                g.writeEndArray();
            }
            if (next != null) {
                g.writeStringField("next_page_token", next);
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
