package io.fleetml.resolve;

import java.util.Locale;

/** Which kind of model answers for a device. */
public enum ModelKind {
    /** The device's own model. */
    DEVICE;

    /** As the {@code model} column of predictions spells it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
