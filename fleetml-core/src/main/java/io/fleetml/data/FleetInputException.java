package io.fleetml.data;

/**
 * Bad input a user can fix: a missing file, a misspelt column, a non-numeric feature, empty data.
 * The message is one line that names what is wrong and what to do; callers show it without a stack trace.
 */
public class FleetInputException extends RuntimeException {
    public FleetInputException(String message) {
        super(message);
    }

    public FleetInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
