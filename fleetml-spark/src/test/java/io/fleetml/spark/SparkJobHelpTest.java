package io.fleetml.spark;

import io.fleetml.command.ExitCode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Every command of the Spark job answers --help with its usage and exit code 0, without starting Spark. */
class SparkJobHelpTest {
    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        CommandLine cli = SparkJob.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @ParameterizedTest(name = "{0} --help")
    @ValueSource(strings = {"", "train", "score", "resume", "retrain"})
    void everyCommandAnswersHelp(String command) {
        for (String help : List.of("--help", "-h")) {
            String[] args = command.isEmpty() ? new String[] {help} : new String[] {command, help};
            Run r = run(args);
            assertEquals(ExitCode.OK, r.code(), Arrays.toString(args) + ": " + r.err());
            assertTrue(r.out().startsWith("Usage: fleetml-spark" + (command.isEmpty() ? "" : " " + command)), r.out());
            assertEquals("", r.err());
        }
    }

    @Test
    void everySubcommandIsCovered() {
        assertEquals(List.of("train", "score", "resume", "retrain"), List.copyOf(SparkJob.commandLine().getSubcommands().keySet()),
                "a new command gets a --help test above");
    }

    @Test
    void theCommandsShareTheFlagsOfTheFleetmlCommand() {
        String train = run("train", "--help").out();
        for (String flag : List.of("--store", "--data", "--table", "--master", "--artifacts", "--out", "--device-column", "--features",
                "--label", "--algorithm", "--param", "--time-column", "--id-column", "--experiment")) {
            assertTrue(train.contains(flag), flag + " in " + train);
        }
        assertTrue(train.contains("$FLEETML_STORE"), train);
        String score = run("score", "--help").out();
        for (String flag : List.of("--store", "--data", "--session", "--experiment", "--id-column", "--out")) {
            assertTrue(score.contains(flag), flag + " in " + score);
        }
    }

    @Test
    void usageErrorsAreOneLineAndExitTwo() {
        Run none = run();
        assertEquals(ExitCode.BAD_INPUT, none.code());
        assertTrue(none.err().startsWith("fleetml: name a command: train, score, resume or retrain"), none.err());
        Run missing = run("score", "--data", "x.parquet");
        assertEquals(ExitCode.BAD_INPUT, missing.code());
        assertEquals(1, missing.err().lines().count(), missing.err());
        assertTrue(missing.err().contains("--session"), missing.err());
    }
}
