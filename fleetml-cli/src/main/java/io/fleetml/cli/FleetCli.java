package io.fleetml.cli;

import io.fleetml.command.ExitCode;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** Entry point of the {@code fleetml} command. */
@Command(name = "fleetml", mixinStandardHelpOptions = true, version = "fleetml 0.1.0",
        description = "Train, track and score one machine-learning model per IoT device.",
        subcommands = {DemoCommand.class, GenerateCommand.class, TrainCommand.class, ResumeCommand.class, RetrainCommand.class,
                ScoreCommand.class, SessionsCommand.class, DevicesCommand.class, CommandLine.HelpCommand.class},
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

    /** Runs the command line with the given output streams; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = ExitCode.install(new CommandLine(new FleetCli()));
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
        throw new CommandLine.ParameterException(spec.commandLine(),
                "name a command: demo, generate, train, resume, retrain, score, sessions, devices");
    }
}
