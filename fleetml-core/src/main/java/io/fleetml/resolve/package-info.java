/**
 * Model resolution: which model answers for a device. A {@link io.fleetml.resolve.ModelRef} says where a
 * model's bytes are, how to read them, its kind and the session that trained it; a
 * {@link io.fleetml.resolve.ModelResolver} maps device ids to them. Batch scoring on both engines goes through
 * it; the registry and online serving will too.
 */
package io.fleetml.resolve;
