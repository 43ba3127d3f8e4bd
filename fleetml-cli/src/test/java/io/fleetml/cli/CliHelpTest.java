package io.fleetml.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Every command and subcommand answers --help with its usage and exit 0, as a user types it. */
class CliHelpTest {

    /** Every command path, walked from the command tree itself so that a new command cannot be missed. */
    private static List<List<String>> commands(CommandLine cli, List<String> path) {
        List<List<String>> all = new ArrayList<>();
        all.add(path);
        cli.getSubcommands().forEach((name, sub) -> {
            if (!name.equals("help")) {
                List<String> next = new ArrayList<>(path);
                next.add(name);
                all.addAll(commands(sub, next));
            }
        });
        return all;
    }

    @Test
    void everyCommandAnswersHelp() {
        List<List<String>> commands = commands(FleetCli.commandLine(new String[0]), List.of());
        assertEquals(List.of(List.of(), List.of("demo"), List.of("generate"), List.of("train"), List.of("resume"), List.of("retrain"),
                List.of("score"), List.of("sessions"), List.of("sessions", "show"), List.of("sessions", "delete"), List.of("devices"),
                List.of("registry"), List.of("registry", "register"), List.of("registry", "alias"), List.of("registry", "list"),
                List.of("registry", "show"), List.of("serve"), List.of("mlflow"), List.of("mlflow", "export")), commands);
        for (List<String> command : commands) {
            List<String> args = new ArrayList<>(command);
            args.add("--help");
            Cli run = Cli.run(args.toArray(String[]::new));
            assertEquals(0, run.code(), run.toString());
            assertTrue(run.out().startsWith("Usage: fleetml" + (command.isEmpty() ? "" : " " + String.join(" ", command))), run.out());
            assertTrue(run.err().isEmpty(), run.err());
        }
        Cli help = Cli.run("help", "train");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("--device-column"), help.out());
        assertTrue(Cli.run("--help").out().contains("Exit codes:"), "the exit codes are documented where a user looks");
    }

    @Test
    void noCommandOrAnUnknownOneIsAUsageError() {
        Cli none = Cli.run();
        assertEquals(2, none.code(), none.toString());
        assertTrue(none.err().contains("name a command"), none.err());
        Cli unknown = Cli.run("trian");
        assertEquals(2, unknown.code(), unknown.toString());
        assertEquals(1, unknown.err().strip().lines().count(), unknown.err());
    }
}
