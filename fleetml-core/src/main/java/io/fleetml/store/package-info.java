/**
 * Where sessions, device runs and model bytes live. {@link io.fleetml.store.TrackingStore} holds the
 * metadata (a session is a parent run, each device a nested run); {@link io.fleetml.store.ArtifactStore}
 * holds the models. The embedded default, {@link io.fleetml.store.FleetStore#open}, is one SQLite file in
 * WAL mode (readable by a second process while training writes) beside a directory of model packs.
 */
package io.fleetml.store;
