/**
 * Command-line options (picocli mixins) shared by the {@code fleetml} command and the Spark job, so that
 * {@code fleetml train} and {@code spark-submit ... train} take the same flags.
 */
package io.fleetml.options;
