/**
 * The data contract: where a fleet's rows come from ({@link io.fleetml.data.FleetSource}), how they are
 * cut into one {@link io.fleetml.data.DeviceFrame} per device, and the policy for missing values.
 *
 * <p>Missing values ({@code NA}, empty, {@code NaN}) are read as {@code NaN}. Rows with a missing label
 * are never used for training; whether rows with missing features are used is the algorithm's call
 * (tree models handle them natively, the linear model drops them). Every dropped row is counted per device.
 */
package io.fleetml.data;
