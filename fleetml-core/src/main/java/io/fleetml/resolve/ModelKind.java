package io.fleetml.resolve;

import java.util.Locale;

/** Which kind of model answers for a device. */
public enum ModelKind {
    /** The device's own model. */
    DEVICE,
    /** One model fit on a sample of every device's training rows; answers for devices unknown to the session too. */
    FLEET,
    /** The fleet model plus the device's own model of the fleet model's residuals on its rows. */
    HIERARCHICAL,
    /** The stacking ensemble of the device, fleet and hierarchical predictions. */
    STACK;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** As the {@code model} column of predictions spells it; asked once per device scored. */
    public String label() {
        return label;
    }
}
