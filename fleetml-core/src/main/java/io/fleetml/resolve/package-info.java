/**
 * Model resolution: which model answers for a device. A {@link io.fleetml.resolve.ModelRef} says where a
 * model's bytes are, how to read them, its kind (device, fleet, hierarchical, stack) and the session that trained
 * it; a hierarchical or stack model is a weighted combination of other refs. A
 * {@link io.fleetml.resolve.ModelResolver} maps device ids to refs ({@link io.fleetml.resolve.SessionModels}: a
 * session's chosen models, or the kind {@link io.fleetml.resolve.ModelUse} asks for, and the fleet model for
 * devices the session does not know), and the {@link io.fleetml.resolve.ModelCache} keeps loaded models within a
 * bound, closing what it evicts. Batch scoring on both engines goes through it; the registry and online serving
 * will too.
 */
package io.fleetml.resolve;
