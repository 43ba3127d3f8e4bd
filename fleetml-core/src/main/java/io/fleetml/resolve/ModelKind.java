package io.fleetml.resolve;

import java.util.Locale;

/** Which kind of model answers for a device. */
public enum ModelKind {
    /** The device's own model. */
    DEVICE;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** As the {@code model} column of predictions spells it; asked once per device scored. */
    public String label() {
        return label;
    }
}
