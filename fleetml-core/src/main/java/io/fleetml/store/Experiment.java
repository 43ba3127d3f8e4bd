package io.fleetml.store;

/**
 * An experiment: the name sessions are grouped under, with the number the store gave it.
 *
 * @param id        the store's number for it, stable for the life of the store (1, 2, ...)
 * @param name      its name, unique in the store
 * @param createdAt when its first session started, ISO-8601 UTC
 */
public record Experiment(long id, String name, String createdAt) {
}
