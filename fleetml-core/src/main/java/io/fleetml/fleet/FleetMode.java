package io.fleetml.fleet;

import io.fleetml.data.FleetInputException;

import java.util.Locale;

/** Whether a session also trains fleet models, and which. */
public enum FleetMode {
    /** Device models only (the default). */
    NONE,
    /** A fleet-wide model too, and a per-device choice between it and the device's own model. */
    FALLBACK,
    /** As {@link #FALLBACK}, plus the hierarchical model (fleet + the device's residual model) and the stacking ensemble. */
    STACK;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws FleetInputException naming the choices */
    public static FleetMode parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new FleetInputException("unknown fleet mode '" + s + "'; choose none, fallback or stack");
        }
    }
}
