package io.fleetml.command;

import io.fleetml.data.FleetInputException;
import io.fleetml.store.StoreException;
import picocli.CommandLine;

import java.io.PrintWriter;

/**
 * What the {@code fleetml} command's exit code means, the same for the Spark job, and how a failure becomes
 * one line on stderr and its exit code. {@code FLEETML_DEBUG=1} adds the stack trace.
 */
public final class ExitCode {
    /** It worked. */
    public static final int OK = 0;
    /** Something unexpected failed: a bug, or a fault outside fleetml; the line says what. */
    public static final int FAILED = 1;
    /** Bad input or usage: a file, column, option or session that is not there or not right. */
    public static final int BAD_INPUT = 2;
    /** It ran, but nothing came of it: no device trained, or no record predicted. */
    public static final int NOTHING_DONE = 3;
    /** The store's state forbids it: the session is running, or finished and cannot be resumed. */
    public static final int CONFLICT = 4;
    /** The store cannot be read or written: locked, read-only, corrupt, full. */
    public static final int STORE_UNAVAILABLE = 5;

    private ExitCode() {
    }

    /** Reports failures of {@code cli}'s commands as one line and an exit code. */
    public static CommandLine install(CommandLine cli) {
        cli.setExecutionExceptionHandler((e, line, parsed) -> report(e, line.getErr()));
        cli.setParameterExceptionHandler((e, args) -> {
            e.getCommandLine().getErr().println("fleetml: " + e.getMessage() + " (see '" + e.getCommandLine().getCommandSpec().qualifiedName()
                    + " --help')");
            return BAD_INPUT;
        });
        return cli;
    }

    /** Prints {@code e} as one line (the cause a user can act on, however deep it is wrapped) and returns its exit code. */
    public static int report(Throwable e, PrintWriter err) {
        boolean debug = System.getenv("FLEETML_DEBUG") != null;
        Throwable cause = actionable(e);
        int code;
        if (cause instanceof FleetInputException) {
            err.println("fleetml: error: " + firstLine(cause));
            code = BAD_INPUT;
        } else if (cause instanceof StoreException s) {
            err.println("fleetml: error: " + firstLine(cause));
            code = switch (s.kind()) {
                case NOT_FOUND -> BAD_INPUT;
                case CONFLICT -> CONFLICT;
                case UNAVAILABLE -> STORE_UNAVAILABLE;
            };
        } else {
            err.println("fleetml: failed: " + e.getClass().getSimpleName() + ": " + firstLine(e)
                    + (debug ? "" : " (set FLEETML_DEBUG=1 for the stack trace)"));
            code = FAILED;
        }
        if (debug) {
            e.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    /** The first fleetml error in the cause chain (Spark wraps what a task threw), else {@code e}. */
    private static Throwable actionable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof FleetInputException || t instanceof StoreException) {
                return t;
            }
        }
        return e;
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage()).strip();
        int nl = m.indexOf('\n');
        return nl > 0 ? m.substring(0, nl) : m;
    }
}
