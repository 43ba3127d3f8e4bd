package io.fleetml.stats;

import io.fleetml.train.TrainOutcome;

import java.util.List;

/**
 * Why a session's devices failed or were skipped, grouped: the same reason for different devices differs in its
 * numbers (rows, thresholds, values), so a reason is its message with every number as {@code #}.
 *
 * @param failed  devices that failed
 * @param skipped devices that were skipped
 * @param groups  the largest groups, largest first
 * @param other   devices in the groups not listed
 */
public record Failures(long failed, long skipped, List<Group> groups, long other) {

    /**
     * @param status       failed or skipped
     * @param reason       the message with its numbers as {@code #}
     * @param exampleError one device's message as it was
     * @param count        devices with this reason
     * @param examples     a few of them, by device id
     */
    public record Group(TrainOutcome.Status status, String reason, String exampleError, long count, List<String> examples) {
    }

    /** A message with each number in it (integer, decimal or exponent) as {@code #}. */
    public static String reason(String error) {
        if (error == null) {
            return "(no message)";
        }
        return error.replaceAll("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?", "#");
    }
}
