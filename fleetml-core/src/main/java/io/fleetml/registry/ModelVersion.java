package io.fleetml.registry;

import java.util.List;

/**
 * One version of a registered fleet model: the session whose models it serves.
 *
 * @param name        the registered model
 * @param version     1, 2, ... in order of registration
 * @param sessionId   the session whose chosen models (and fleet model and stack) this version serves
 * @param lineage     the session and the sessions it was retrained from, newest first
 * @param createdBy   who registered it, or null
 * @param createdAt   when, ISO-8601 UTC
 * @param description free text, or null
 * @param aliases     the aliases that point at it, sorted
 */
public record ModelVersion(String name, int version, String sessionId, List<String> lineage, String createdBy, String createdAt,
                           String description, List<String> aliases) {

    public ModelVersion {
        lineage = List.copyOf(lineage);
        aliases = List.copyOf(aliases);
    }

    /** How it is named on the command line and in predictions: {@code NAME/VERSION}. */
    public String ref() {
        return name + "/" + version;
    }
}
