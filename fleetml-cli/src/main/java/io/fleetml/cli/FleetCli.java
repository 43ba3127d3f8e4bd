package io.fleetml.cli;

import io.fleetml.command.ExitCode;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** Entry point of the {@code fleetml} command. */
@Command(name = "fleetml", mixinStandardHelpOptions = true, version = "fleetml 0.1.0",
        description = "Train, track, score and serve one machine-learning model per IoT device.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:it worked", "1:something unexpected failed (the message says what)",
                "2:bad input or usage: a file, column, option or session not there or not right",
                "3:it ran, but no device trained or no record was predicted",
                "4:the store's state forbids it (e.g. the session is running)",
                "5:the store cannot be read or written (missing, locked, read-only, corrupt, full)"})
public final class FleetCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** The commands, in the order help lists them. */
    private static final Map<String, Supplier<Object>> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("demo", DemoCommand::new);
        COMMANDS.put("generate", GenerateCommand::new);
        COMMANDS.put("train", TrainCommand::new);
        COMMANDS.put("resume", ResumeCommand::new);
        COMMANDS.put("retrain", RetrainCommand::new);
        COMMANDS.put("score", ScoreCommand::new);
        COMMANDS.put("sessions", SessionsCommand::new);
        COMMANDS.put("devices", DevicesCommand::new);
        COMMANDS.put("registry", RegistryCommand::new);
        COMMANDS.put("serve", ServeCommand::new);
        COMMANDS.put("mlflow", MlflowCommand::new);
        COMMANDS.put("help", CommandLine.HelpCommand::new);
    }

    /**
     * The command line for {@code args}: the root with only the command named in {@code args[0]}, else with all of
     * them (help, usage errors). picocli models every command it is given from its annotations, a quarter of a
     * second for all of ours, which a listing command would spend before it does anything.
     */
    static CommandLine commandLine(String[] args) {
        CommandLine cli = new CommandLine(new FleetCli());
        String named = args.length > 0 ? args[0] : null;
        if (named != null && COMMANDS.containsKey(named) && !named.equals("help")) {
            cli.addSubcommand(named, COMMANDS.get(named).get());
        } else {
            COMMANDS.forEach((name, command) -> cli.addSubcommand(name, command.get()));
        }
        return cli;
    }

    /** Runs the command line with the given output streams; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = ExitCode.install(commandLine(args));
        cli.setOut(out);
        cli.setErr(err);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command: "
                + String.join(", ", COMMANDS.keySet().stream().filter(c -> !c.equals("help")).toList()));
    }
}
