/**
 * Fleet models: a fleet-wide model fit on a bounded sample of every device's training rows, the hierarchical
 * model (the fleet model plus the device's own model of its residuals), a stacking ensemble over them, and the
 * per-device choice among these and the device's own model. Training rows fit models, validation rows choose and
 * fit the stacker, test rows only report: {@link io.fleetml.fleet.FleetStats} keeps, per device, exactly what the
 * choice and the stacker need of the validation and test rows, so no second pass over the data is made.
 */
package io.fleetml.fleet;
