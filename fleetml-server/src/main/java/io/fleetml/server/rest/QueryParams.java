package io.fleetml.server.rest;

import io.fleetml.server.ApiException;
import io.javalin.http.Context;

/** Query parameters checked, with a 400 naming the parameter and what it takes. */
final class QueryParams {
    private QueryParams() {
    }

    /** A whole number from 1 to {@code max}, or {@code otherwise} when absent. */
    static int bounded(Context ctx, String name, int otherwise, int max) {
        String v = ctx.queryParam(name);
        if (v == null || v.isEmpty()) {
            return otherwise;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= 1 && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw ApiException.badRequest(name + " must be a whole number from 1 to " + max + ", not '" + abbreviate(v) + "'");
    }

    static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
