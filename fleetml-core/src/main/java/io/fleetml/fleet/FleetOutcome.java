package io.fleetml.fleet;

import io.fleetml.resolve.ModelKind;
import io.fleetml.train.Metrics;

/**
 * A device's part in a fleet session: how the fleet, hierarchical and stack models did on its test rows, and which
 * model answers for it. The device model's own test metrics stay in its {@link io.fleetml.train.TrainOutcome}.
 *
 * @param chosen       the model that answers for the device; null until the session finishes (the stack is fit last)
 * @param fleet        the fleet model's test metrics on this device
 * @param hierarchical the hierarchical model's, or {@link Metrics#NONE}
 * @param stack        the stack's, or {@link Metrics#NONE} until the session finishes
 * @param residualUri  where the device's residual model (of the hierarchical model) is, or null
 * @param stats        the device's {@link FleetStats}
 */
public record FleetOutcome(ModelKind chosen, Metrics fleet, Metrics hierarchical, Metrics stack, String residualUri, double[] stats)
        implements java.io.Serializable {

    public FleetOutcome withResidualUri(String uri) {
        return new FleetOutcome(chosen, fleet, hierarchical, stack, uri, stats);
    }
}
