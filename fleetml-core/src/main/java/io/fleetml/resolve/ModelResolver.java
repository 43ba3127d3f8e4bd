package io.fleetml.resolve;

import java.util.List;

/**
 * Which model answers for a device. Batch scoring (on either engine) asks it once per device; a session's
 * models are the first resolver, a registry version and the device/fleet/stack policy later ones.
 */
public interface ModelResolver {

    /** The model for {@code deviceId}, or null when none answers for it. */
    ModelRef resolve(String deviceId);

    /** Every {@link ModelRef#name()} this resolver can answer with: sizes an output's dictionary. */
    List<String> names();

    /**
     * A resolver still being loaded (e.g. a million devices' models read from the store while the data is
     * sorted); the first device to resolve waits for it.
     */
    static ModelResolver deferred(java.util.concurrent.CompletableFuture<? extends ModelResolver> loading, List<String> names) {
        return new ModelResolver() {
            @Override
            public ModelRef resolve(String deviceId) {
                try {
                    return loading.join().resolve(deviceId);
                } catch (java.util.concurrent.CompletionException e) {
                    throw e.getCause() instanceof RuntimeException r ? r : e;
                }
            }

            @Override
            public List<String> names() {
                return names;
            }
        };
    }
}
