package io.fleetml.registry;

import io.fleetml.data.FleetInputException;

import java.util.regex.Pattern;

/**
 * A reference to a registered version as users write it: {@code NAME/VERSION}, {@code NAME@ALIAS}, or {@code NAME}
 * (its latest version). Names and aliases are letters, digits, {@code .}, {@code _} and {@code -}, starting with a
 * letter or digit, at most 100 characters: they appear in URLs and never in a file path.
 *
 * @param name    the registered model
 * @param alias   the alias, or null
 * @param version the version, or 0 when not given
 */
public record ModelName(String name, String alias, int version) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    public ModelName {
        check("model name", name);
        if (alias != null) {
            check("alias", alias);
        }
    }

    /**
     * Parses {@code NAME/VERSION}, {@code NAME@ALIAS} or {@code NAME}.
     *
     * @throws FleetInputException saying what a reference looks like
     */
    public static ModelName parse(String ref) {
        if (ref == null || ref.isEmpty()) {
            throw new FleetInputException("name a registered model as NAME@ALIAS, NAME/VERSION or NAME");
        }
        int at = ref.indexOf('@');
        int slash = ref.indexOf('/');
        if (at >= 0 && slash < 0) {
            return new ModelName(ref.substring(0, at), ref.substring(at + 1), 0);
        }
        if (slash >= 0 && at < 0) {
            return new ModelName(ref.substring(0, slash), null, version(ref.substring(slash + 1), ref));
        }
        if (at < 0) {
            return new ModelName(ref, null, 0);
        }
        throw new FleetInputException("'" + ref + "' is not a registered model: write NAME@ALIAS, NAME/VERSION or NAME");
    }

    /** A version number as a user wrote it. */
    public static int version(String text, String ref) {
        try {
            int v = Integer.parseInt(text);
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new FleetInputException("'" + ref + "': a version is a whole number from 1, not '" + text + "'");
    }

    /**
     * @throws FleetInputException when {@code value} is not a valid name or alias
     */
    public static String check(String what, String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new FleetInputException("bad " + what + " '" + (value == null ? "" : value.length() > 120 ? value.substring(0, 120) + "…" : value)
                    + "': use letters, digits, '.', '_' and '-', starting with a letter or digit, at most 100 characters");
        }
        return value;
    }

    @Override
    public String toString() {
        return alias != null ? name + "@" + alias : version > 0 ? name + "/" + version : name;
    }
}
