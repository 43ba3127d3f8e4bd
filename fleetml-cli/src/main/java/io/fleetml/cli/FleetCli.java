package io.fleetml.cli;

import io.fleetml.data.FleetInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** Entry point of the {@code fleetml} command. */
@Command(name = "fleetml", mixinStandardHelpOptions = true, version = "fleetml 0.1.0",
        description = "Train, track and score one machine-learning model per IoT device.",
        subcommands = {DemoCommand.class, GenerateCommand.class, TrainCommand.class, ScoreCommand.class,
                SessionsCommand.class, DevicesCommand.class, CommandLine.HelpCommand.class})
public final class FleetCli implements Runnable {
    /** Exit code for bad input or usage. */
    static final int BAD_INPUT = 2;
    /** Exit code when training ran but no device got a model. */
    static final int NO_MODEL = 3;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given output streams; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new FleetCli());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            boolean debug = System.getenv("FLEETML_DEBUG") != null;
            if (e instanceof FleetInputException) {
                err.println("fleetml: error: " + e.getMessage());
                if (debug) {
                    e.printStackTrace(err);
                }
                return BAD_INPUT;
            }
            err.println("fleetml: failed: " + e + (debug ? "" : " (set FLEETML_DEBUG=1 for the stack trace)"));
            if (debug) {
                e.printStackTrace(err);
            }
            return 1;
        });
        cli.setParameterExceptionHandler((e, a) -> {
            err.println("fleetml: " + e.getMessage() + " (see '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            return BAD_INPUT;
        });
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "name a command: demo, generate, train, score, sessions, devices");
    }
}
