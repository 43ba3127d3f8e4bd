/**
 * What the {@code fleetml} command and the Spark job share, so that both take the same flags, exit with the
 * same codes and print the same summaries: the picocli option mixins ({@link io.fleetml.command.TrainOptions},
 * {@link io.fleetml.command.StoreOption}), {@link io.fleetml.command.ExitCode} with one-line error reporting,
 * and {@link io.fleetml.command.Reports}.
 */
package io.fleetml.command;
