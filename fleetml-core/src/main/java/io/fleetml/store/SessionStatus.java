package io.fleetml.store;

/** Where a training session stands. Only a {@link #FINISHED} session is scored or registered. */
public enum SessionStatus {
    /** Training, and its owner process is alive (or, on another host, its heartbeat is recent). */
    RUNNING,
    /** Every device has a run; the summary is final. */
    FINISHED,
    /** Training stopped on an error it reported (the session's {@code error}); it can be resumed. */
    FAILED,
    /** Its owner died without finishing (killed, crashed, machine lost); it can be resumed. */
    INTERRUPTED;

    /** Whether {@code fleetml resume} may continue a session in this state. */
    public boolean resumable() {
        return this == FAILED || this == INTERRUPTED;
    }
}
