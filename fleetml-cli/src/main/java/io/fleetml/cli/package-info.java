/**
 * The {@code fleetml} command (picocli): {@code demo}, {@code generate}, {@code train}, {@code resume},
 * {@code retrain}, {@code score}, {@code sessions} (with {@code show} and {@code delete}) and {@code devices}.
 * Every command answers {@code --help}; failures are one line on stderr and an exit code
 * ({@link io.fleetml.command.ExitCode}); {@code FLEETML_DEBUG=1} adds the stack trace.
 */
package io.fleetml.cli;
