package io.fleetml.cli;

import io.fleetml.command.StoreOption;
import io.fleetml.command.Text;
import io.fleetml.registry.ModelName;
import io.fleetml.registry.ModelRegistry;
import io.fleetml.registry.ModelVersion;
import io.fleetml.registry.RegisteredModel;
import io.fleetml.store.FleetStore;
import io.fleetml.store.RecordJson;
import io.fleetml.store.SessionRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "registry", mixinStandardHelpOptions = true,
        description = {"Registered fleet models: a version is a whole fleet (one finished session's models), an alias such as "
                + "'champion' points at a version.", "Score one with: fleetml score --model NAME@ALIAS (or NAME/VERSION)."},
        subcommands = {RegistryCommand.Register.class, RegistryCommand.Alias.class, RegistryCommand.ListModels.class, RegistryCommand.Show.class})
final class RegistryCommand implements Runnable {
    @Spec
    CommandSpec command;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(command.commandLine(), "name a registry command: register, alias, list, show");
    }

    @Command(name = "register", mixinStandardHelpOptions = true,
            description = {"Make a finished session the next version of a registered model (version 1 creates it).",
                    "No model is copied: the version names the session, which may not be deleted while the version exists."})
    static final class Register implements Callable<Integer> {
        @Spec
        CommandSpec command;

        @Mixin
        StoreOption store;

        @Parameters(index = "0", paramLabel = "SESSION", description = "Session id, or 'latest'.")
        String session;

        @Option(names = "--name", required = true, paramLabel = "NAME", description = "The registered model (letters, digits, '.', '_', '-').")
        String name;

        @Option(names = "--alias", paramLabel = "ALIAS", description = "Also point this alias at the new version, e.g. champion.")
        String alias;

        @Option(names = "--description", paramLabel = "TEXT", description = "What this version is, for people reading the registry.")
        String description;

        @Option(names = "--experiment", paramLabel = "NAME", description = "With 'latest': the newest of this experiment's sessions.")
        String experiment;

        @Override
        public Integer call() {
            ModelName.check("model name", name);
            if (alias != null) {
                ModelName.check("alias", alias);
            }
            try (FleetStore s = store.openExisting()) {
                SessionRecord r = io.fleetml.command.Sessions.find(s.tracking(), session, experiment);
                ModelVersion v = s.tracking().registry().register(name, r.id(), alias, description, System.getProperty("user.name"));
                command.commandLine().getOut().printf("registered %s: session %s (%s devices)%s%n", v.ref(), v.sessionId(),
                        Text.count(r.nDevices()), v.aliases().isEmpty() ? "" : "; alias " + String.join(", ", v.aliases()));
                return 0;
            }
        }
    }

    @Command(name = "alias", mixinStandardHelpOptions = true,
            description = {"Point an alias of a registered model at a version, or move it there; with --delete, remove it.",
                    "A server answering for NAME@ALIAS uses the new version for the next request."})
    static final class Alias implements Callable<Integer> {
        @Spec
        CommandSpec command;

        @Mixin
        StoreOption store;

        @Parameters(index = "0", paramLabel = "NAME", description = "The registered model.")
        String name;

        @Parameters(index = "1", paramLabel = "ALIAS", description = "The alias, e.g. champion.")
        String alias;

        @Parameters(index = "2", arity = "0..1", paramLabel = "VERSION", description = "The version it points at (not with --delete).")
        String version;

        @Option(names = "--delete", description = "Remove the alias.")
        boolean delete;

        @Override
        public Integer call() {
            ModelName.check("model name", name);
            ModelName.check("alias", alias);
            if (delete == (version != null)) {
                throw new io.fleetml.data.FleetInputException(delete ? "--delete takes no VERSION: fleetml registry alias " + name + " " + alias
                        + " --delete" : "name the version: fleetml registry alias " + name + " " + alias + " VERSION (or --delete)");
            }
            try (FleetStore s = store.openExisting()) {
                ModelRegistry registry = s.tracking().registry();
                PrintWriter out = command.commandLine().getOut();
                if (delete) {
                    registry.deleteAlias(name, alias);
                    out.printf("removed alias %s@%s%n", name, alias);
                    return 0;
                }
                int n = ModelName.version(version, name + "/" + version);
                Integer before = registry.model(name).aliases().get(alias);
                ModelVersion v = registry.setAlias(name, alias, n);
                out.printf("%s@%s -> %s%s%n", name, alias, v.ref(), before == null ? " (new alias)" : before == n ? " (unchanged)"
                        : " (was " + name + "/" + before + ")");
                return 0;
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List registered models: versions, aliases, and the latest version's fleet.")
    static final class ListModels implements Callable<Integer> {
        @Spec
        CommandSpec command;

        @Mixin
        StoreOption store;

        @Option(names = "--json", description = "Print the models as a JSON array, for scripts.")
        boolean json;

        @Override
        public Integer call() {
            try (FleetStore s = store.openExisting()) {
                List<RegisteredModel> models = s.tracking().registry().models();
                PrintWriter out = command.commandLine().getOut();
                if (json) {
                    Json.print(out, models.stream().map(m -> RecordJson.registeredModel(m, s.tracking())).toList());
                    return 0;
                }
                if (models.isEmpty()) {
                    out.println("no registered models in " + store.dir() + "; register a session with: fleetml registry register SESSION --name NAME");
                    return 0;
                }
                List<List<String>> rows = new ArrayList<>();
                for (RegisteredModel m : models) {
                    ModelVersion latest = m.latest();
                    SessionRecord r = s.tracking().session(latest.sessionId()).orElse(null);
                    rows.add(List.of(m.name(), String.valueOf(m.versions().size()), String.valueOf(latest.version()), aliases(m.aliases()),
                            latest.sessionId(), r == null ? "-" : Text.count(r.nDevices()), median(r)));
                }
                out.print(Text.table(List.of("model", "versions", "latest", "aliases", "latest_session", "devices", "median_mse"), rows));
                return 0;
            }
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Show a registered model's versions (NAME), or one version (NAME/VERSION or NAME@ALIAS): its session, lineage and fleet.")
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec command;

        @Mixin
        StoreOption store;

        @Parameters(paramLabel = "NAME[@ALIAS|/VERSION]", description = "The registered model, or one of its versions.")
        String ref;

        @Option(names = "--json", description = "Print it as a JSON object, for scripts.")
        boolean json;

        @Override
        public Integer call() {
            ModelName name = ModelName.parse(ref);
            try (FleetStore s = store.openExisting()) {
                ModelRegistry registry = s.tracking().registry();
                PrintWriter out = command.commandLine().getOut();
                if (name.alias() == null && name.version() == 0) {
                    RegisteredModel m = registry.model(name.name());
                    if (json) {
                        Json.print(out, RecordJson.registeredModel(m, s.tracking()));
                        return 0;
                    }
                    out.printf("model %s  created %s  aliases: %s%n", m.name(), m.createdAt(), m.aliases().isEmpty() ? "none" : aliases(m.aliases()));
                    List<List<String>> rows = new ArrayList<>();
                    for (ModelVersion v : m.versions()) {
                        SessionRecord r = s.tracking().session(v.sessionId()).orElse(null);
                        rows.add(List.of(String.valueOf(v.version()), v.aliases().isEmpty() ? "-" : String.join(",", v.aliases()), v.sessionId(),
                                r == null ? "-" : r.spec().algorithm() + (r.fleet() == null ? "" : " + fleet " + r.fleet().mode().label()),
                                r == null ? "-" : Text.count(r.nDevices()), ok(r), median(r), v.createdAt().replaceFirst("\\.\\d+Z$", "Z"),
                                v.createdBy() == null ? "-" : v.createdBy(), v.description() == null ? "" : v.description()));
                    }
                    out.print(Text.table(List.of("version", "aliases", "session", "models", "devices", "ok", "median_mse", "registered", "by",
                            "description"), rows));
                    return 0;
                }
                ModelVersion v = registry.version(name);
                SessionRecord r = s.tracking().session(v.sessionId()).orElse(null);
                if (json) {
                    Json.print(out, RecordJson.modelVersion(v, s.tracking()));
                    return 0;
                }
                out.printf("%s%s  session %s%n", v.ref(), v.aliases().isEmpty() ? "" : " (" + String.join(", ", v.aliases()) + ")", v.sessionId());
                out.printf("  registered %s%s%s%n", v.createdAt(), v.createdBy() == null ? "" : " by " + v.createdBy(),
                        v.description() == null ? "" : ": " + v.description());
                if (v.lineage().size() > 1) {
                    out.printf("  lineage: %s%n", String.join(" <- retrained from ", v.lineage()));
                }
                if (r != null) {
                    out.printf("  %s on %s: %s devices, %s OK · label %s · features %s%n", r.spec().algorithm(), r.dataSource(), Text.count(r.nDevices()),
                            ok(r), r.spec().label(), String.join(", ", r.spec().features()));
                    out.printf("  holdout MSE: median %s%n", median(r));
                    if (r.fleet() != null) {
                        io.fleetml.command.Reports.fleet(out, r.fleet());
                    }
                }
                return 0;
            }
        }
    }

    private static String aliases(Map<String, Integer> aliases) {
        List<String> parts = new ArrayList<>();
        aliases.forEach((alias, version) -> parts.add(alias + "=" + version));
        return parts.isEmpty() ? "-" : String.join(", ", parts);
    }

    private static String ok(SessionRecord r) {
        return r == null || r.summary() == null ? "-" : Text.count(r.summary().ok());
    }

    private static String median(SessionRecord r) {
        return r == null || r.summary() == null ? "-" : Text.num(r.summary().mseP50());
    }
}
