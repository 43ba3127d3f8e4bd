package io.fleetml.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import io.fleetml.command.Sessions;
import io.fleetml.command.StoreOption;
import io.fleetml.command.Text;
import io.fleetml.fleet.FleetOutcome;
import io.fleetml.store.DeviceQuery;
import io.fleetml.store.FleetStore;
import io.fleetml.store.SessionRecord;
import io.fleetml.train.TrainOutcome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "List a training session's per-device outcomes: filtered, sorted and paged by the store, however many there are.")
final class DevicesCommand implements Callable<Integer> {
    @Spec
    CommandSpec command;

    @Mixin
    StoreOption store;

    @Parameters(paramLabel = "SESSION", description = "Session id, or 'latest'.")
    String session;

    @Option(names = "--experiment", paramLabel = "NAME", description = "With 'latest': the newest of this experiment's sessions.")
    String experiment;

    @Option(names = "--sort", defaultValue = "device", paramLabel = "ORDER",
            description = "device (default; integer ids by number), mse (worst first), r2 (worst first), n_used (fewest first) or train_ms (slowest first).")
    DeviceQuery.Sort sort;

    @Option(names = "--status", split = ",", paramLabel = "STATUS", description = "Only devices with these statuses: OK, FAILED, SKIPPED.")
    List<TrainOutcome.Status> statuses = new ArrayList<>();

    @Option(names = "--search", paramLabel = "TEXT", description = "Only devices whose id contains TEXT.")
    String search;

    @Option(names = "--limit", defaultValue = "50", description = "Show at most this many devices; 0 for all (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--offset", defaultValue = "0", description = "Skip this many devices first, to page (default: ${DEFAULT-VALUE}).")
    long offset;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write every device the filters select (not only the page shown) to this "
            + ".csv, .csv.gz or .parquet file, streamed.")
    Path out;

    @Option(names = "--json", description = "Print the page as JSON ({session, total, offset, devices: [...]}), streamed, for scripts.")
    boolean json;

    @Override
    public Integer call() {
        if (limit < 0 || offset < 0) {
            throw new io.fleetml.data.FleetInputException("--limit and --offset must not be negative");
        }
        if (out != null) {
            io.fleetml.data.TableFile.requireWritable(out);
        }
        try (FleetStore s = store.openExisting()) {
            SessionRecord record = Sessions.find(s.tracking(), session, experiment);
            DeviceQuery query = new DeviceQuery(Set.copyOf(statuses), search, sort, 0, 0);
            if (out != null) {
                TrainCommand.writeResults(out, record, s.tracking(), query);
            }
            DeviceQuery page = query.page(limit, offset);
            long total = s.tracking().countDevices(record.id(), query);
            PrintWriter print = command.commandLine().getOut();
            if (json) {
                printJson(print, s, record, page, total);
                return 0;
            }
            List<List<String>> rows = new ArrayList<>();
            boolean fleet = record.fleet() != null;
            s.tracking().forEachDevice(record.id(), page, o -> {
                List<String> row = new ArrayList<>(List.of(o.deviceId(), o.status().name(), Text.count(o.nUsed()),
                        Text.count(o.nTest()), Text.count(o.nDropped()), Text.num(o.holdout().mse()), Text.num(o.holdout().r2())));
                if (fleet) {
                    FleetOutcome f = o.fleet();
                    row.addAll(f == null ? List.of("", "", "", "") : List.of(f.chosen() == null ? "" : f.chosen().label(),
                            Text.num(f.fleet().mse()), Text.num(f.hierarchical().mse()), Text.num(f.stack().mse())));
                }
                row.addAll(List.of(Text.num(o.trainMse()), String.format("%.1f", o.trainMs()), o.trainedIn() == null ? "" : o.trainedIn(),
                        o.error() != null ? o.error() : ""));
                rows.add(row);
            });
            print.printf("session %s (%s, %s): %s%s of %s devices%s%n", record.id(), record.status(), record.spec().algorithm(),
                    rows.isEmpty() ? "0" : Text.count(offset + 1) + "–" + Text.count(offset + rows.size()), "", Text.count(total),
                    statuses.isEmpty() ? "" : " with status " + String.join(",", statuses.stream().map(Enum::name).toList()));
            List<String> header = new ArrayList<>(List.of("device_id", "status", "n_used", "n_test", "n_dropped", "mse", "r2"));
            if (fleet) {
                header.addAll(List.of("chosen", "fleet_mse", "hierarchical_mse", "stack_mse"));
            }
            header.addAll(List.of("train_mse", "train_ms", "trained_in", "error"));
            print.print(Text.table(header, rows));
            if (offset + rows.size() < total) {
                print.printf("... %s more: --offset %d, or all of them to a file with --out%n", Text.count(total - offset - rows.size()),
                        offset + rows.size());
            }
            if (out != null) {
                print.printf("  written: %s%n", out);
            }
            return 0;
        }
    }

    private static void printJson(PrintWriter print, FleetStore s, SessionRecord record, DeviceQuery page, long total) {
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(print)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("session_id", record.id());
            g.writeNumberField("total", total);
            g.writeNumberField("offset", page.offset());
            g.writeArrayFieldStart("devices");
            s.tracking().forEachDevice(record.id(), page, o -> {
                try {
                    Json.device(g, o);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        print.println();
    }
}
