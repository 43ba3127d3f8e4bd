package io.fleetml.registry;

import java.util.List;
import java.util.Map;

/**
 * A registered fleet model.
 *
 * @param name      its name
 * @param createdAt when its first version was registered, ISO-8601 UTC
 * @param aliases   alias to version, sorted by alias
 * @param versions  its versions, oldest first
 */
public record RegisteredModel(String name, String createdAt, Map<String, Integer> aliases, List<ModelVersion> versions) {

    public RegisteredModel {
        aliases = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(aliases));
        versions = List.copyOf(versions);
    }

    public ModelVersion latest() {
        return versions.get(versions.size() - 1);
    }
}
