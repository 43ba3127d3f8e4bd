package io.fleetml.registry;

import java.util.List;

/**
 * Registered fleet models, their versions and aliases, kept in the store beside the sessions they name. Every method
 * throws {@link io.fleetml.store.StoreException}: NOT_FOUND for an unknown model, version, alias or session,
 * CONFLICT when the store's state forbids the change (e.g. registering a session that is not finished).
 */
public interface ModelRegistry {

    /**
     * Makes a finished session the next version of {@code name} (creating the model at version 1), and points
     * {@code alias} at it when not null.
     *
     * @param description free text, may be null
     * @param user        who registers it, may be null
     */
    ModelVersion register(String name, String sessionId, String alias, String description, String user);

    /** Points {@code alias} of {@code name} at {@code version}, moving it when it pointed elsewhere. */
    ModelVersion setAlias(String name, String alias, int version);

    /** Removes {@code alias} of {@code name}. */
    void deleteAlias(String name, String alias);

    /** Every registered model, by name, each with its versions. */
    List<RegisteredModel> models();

    /** One registered model with its versions. */
    RegisteredModel model(String name);

    /** The version {@code ref} names: {@code NAME/VERSION}, {@code NAME@ALIAS}, or {@code NAME} for its latest version. */
    ModelVersion version(ModelName ref);

    /** The versions that name {@code sessionId}: such a session may not be deleted. */
    List<ModelVersion> versionsOf(String sessionId);
}
