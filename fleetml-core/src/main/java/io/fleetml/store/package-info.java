/**
 * Where sessions, device runs and model bytes live. {@link io.fleetml.store.TrackingStore} holds the metadata (a
 * session is a parent run, each device a nested run), listed page by page and failing with typed
 * {@link io.fleetml.store.StoreException}s; {@link io.fleetml.store.ArtifactStore} holds the models, as zip packs
 * ({@link io.fleetml.store.PackArtifactStore}) over a file system ({@link io.fleetml.store.ArtifactFiles}), one
 * layout whichever engine writes. The embedded default, {@link io.fleetml.store.FleetStore#open}, is one SQLite file
 * in WAL mode (readable by a second process while training writes; its schema migrated by Flyway) beside a
 * directory of packs, with locations stored relative to it so that it can move.
 */
package io.fleetml.store;
