package io.fleetml.engine;

/** Hears how far a long step has come, in devices. */
public interface Progress {
    Progress NONE = new Progress() {
    };

    default void start(String task, long devices) {
    }

    default void advance(long devices) {
    }

    default void finish() {
    }
}
