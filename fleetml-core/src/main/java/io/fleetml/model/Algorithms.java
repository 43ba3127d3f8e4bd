package io.fleetml.model;

import io.fleetml.data.FleetInputException;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The algorithms fleetml knows by name: the built-in ones and any a user registers. */
public final class Algorithms {
    private static final Map<String, Algorithm> KNOWN = new ConcurrentHashMap<>();

    static {
        register(XGBoostAlgorithm.RANDOM_FOREST);
        register(XGBoostAlgorithm.GRADIENT_BOOSTING);
        register(RidgeAlgorithm.INSTANCE);
    }

    private Algorithms() {
    }

    /** Makes {@code algorithm} known by its name, e.g. so that scoring can load a custom model. */
    public static void register(Algorithm algorithm) {
        KNOWN.put(algorithm.name(), algorithm);
    }

    public static Algorithm named(String name) {
        Algorithm a = KNOWN.get(name);
        if (a == null) {
            throw new FleetInputException("unknown algorithm '" + name + "'; choose one of " + String.join(", ", names().keySet()));
        }
        return a;
    }

    /** Known algorithms by name, built-in first. */
    public static Map<String, Algorithm> names() {
        Map<String, Algorithm> out = new LinkedHashMap<>();
        for (String builtIn : new String[] {"random_forest", "gradient_boosting", "linear"}) {
            out.put(builtIn, KNOWN.get(builtIn));
        }
        out.putAll(KNOWN);
        return out;
    }
}
