package io.fleetml.fleet;

import io.fleetml.resolve.ModelKind;
import io.fleetml.train.Metrics;

/** A device's chosen model and the stack's test metrics on it, decided when a fleet session finishes. */
public record DeviceChoice(String deviceId, ModelKind chosen, Metrics stack) {
}
