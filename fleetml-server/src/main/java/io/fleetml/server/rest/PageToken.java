package io.fleetml.server.rest;

import io.fleetml.server.ApiException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Where the next page of a listing starts, opaque to clients: the offset, in URL-safe base64. A token is only valid
 * with the filter and order it was given for; the store pages in SQL either way.
 */
final class PageToken {
    private static final String PREFIX = "o:";

    private PageToken() {
    }

    static String encode(long offset) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((PREFIX + offset).getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Where a page of {@code pageSize} starts: at {@code ?page_token=} when given, else at {@code ?page=N} (from 1; a
     * shared link to page 40 is one request, not 40), else at the start.
     */
    static long offset(io.javalin.http.Context ctx, int pageSize) {
        String token = ctx.queryParam("page_token");
        if (token != null && !token.isEmpty()) {
            return decode(token);
        }
        return (long) (QueryParams.bounded(ctx, "page", 1, Integer.MAX_VALUE) - 1) * pageSize;
    }

    /** The offset {@code token} stands for; 0 for none. */
    static long decode(String token) {
        if (token == null || token.isEmpty()) {
            return 0;
        }
        try {
            String s = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.US_ASCII);
            if (s.startsWith(PREFIX)) {
                long offset = Long.parseLong(s.substring(PREFIX.length()));
                if (offset >= 0) {
                    return offset;
                }
            }
        } catch (IllegalArgumentException e) {
            // said below
        }
        throw ApiException.badRequest("bad page_token: pass the next_page_token of the previous page as it was");
    }
}
