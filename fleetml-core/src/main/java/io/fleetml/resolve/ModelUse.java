package io.fleetml.resolve;

import io.fleetml.data.FleetInputException;

import java.util.Locale;

/** Which of a session's models scoring uses: each device's chosen one (the default), or one kind for all. */
public enum ModelUse {
    /** The model chosen for each device; the fleet model for devices the session does not know. */
    CHOSEN,
    /** Each device's own model; none for devices without one. */
    DEVICE,
    /** The fleet model, for every device. */
    FLEET,
    /** The fleet model plus the device's residual model; none for devices without one. */
    HIERARCHICAL,
    /** The stacking ensemble; the fleet model for devices without a model of their own. */
    STACK;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws FleetInputException naming the choices */
    public static ModelUse parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new FleetInputException("unknown model '" + s + "' for --use; choose chosen, device, fleet, hierarchical or stack");
        }
    }
}
