/**
 * The {@code fleetml} command (picocli): {@code demo}, {@code generate}, {@code train}, {@code score},
 * {@code sessions}, {@code devices}. Bad input is reported as one line on stderr with a non-zero exit;
 * {@code FLEETML_DEBUG=1} adds the stack trace.
 */
package io.fleetml.cli;
