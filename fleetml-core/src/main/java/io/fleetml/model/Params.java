package io.fleetml.model;

import io.fleetml.data.ColumnNames;
import io.fleetml.data.FleetInputException;

import java.util.LinkedHashMap;
import java.util.Map;

/** Checks and reads algorithm parameters given as text ({@code --param name=value}). */
public final class Params {
    private Params() {
    }

    /** {@code given} over the algorithm's defaults; an unknown name is an error that suggests the closest. */
    public static Map<String, String> resolve(Algorithm algorithm, Map<String, String> given) {
        Map<String, String> merged = new LinkedHashMap<>(algorithm.defaults());
        for (Map.Entry<String, String> e : given.entrySet()) {
            if (!merged.containsKey(e.getKey())) {
                String near = ColumnNames.closest(e.getKey(), algorithm.defaults().keySet());
                throw new FleetInputException("unknown parameter '" + e.getKey() + "' for " + algorithm.name()
                        + (near != null ? " — did you mean '" + near + "'?" : "")
                        + " Known: " + (algorithm.defaults().isEmpty() ? "none" : String.join(", ", algorithm.defaults().keySet())));
            }
            merged.put(e.getKey(), e.getValue().strip());
        }
        return merged;
    }

    public static int integer(Map<String, String> params, String name, int min) {
        String v = params.get(name);
        try {
            int i = Integer.parseInt(v);
            if (i < min) {
                throw new FleetInputException("parameter " + name + "=" + v + " must be at least " + min);
            }
            return i;
        } catch (NumberFormatException e) {
            throw new FleetInputException("parameter " + name + "=" + v + " is not a whole number");
        }
    }

    public static double real(Map<String, String> params, String name, double min, double max) {
        String v = params.get(name);
        try {
            double d = Double.parseDouble(v);
            if (!(d >= min && d <= max)) {
                throw new FleetInputException("parameter " + name + "=" + v + " must be between " + min + " and " + max);
            }
            return d;
        } catch (NumberFormatException e) {
            throw new FleetInputException("parameter " + name + "=" + v + " is not a number");
        }
    }

    /** One of {@code choices}, case-insensitively; returned as the choice is spelled. */
    public static String choice(Map<String, String> params, String name, java.util.List<String> choices) {
        String v = params.get(name);
        return choices.stream().filter(c -> c.equalsIgnoreCase(v)).findFirst().orElseThrow(() -> new FleetInputException(
                "parameter " + name + "=" + v + " must be one of " + String.join(", ", choices)));
    }

    public static boolean bool(Map<String, String> params, String name) {
        String v = params.get(name);
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(v);
        }
        throw new FleetInputException("parameter " + name + "=" + v + " must be true or false");
    }
}
