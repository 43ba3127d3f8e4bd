package io.fleetml.command;

import io.fleetml.store.SessionRecord;
import io.fleetml.store.StoreException;
import io.fleetml.store.TrackingStore;

/** Finds the session a user named: an id, or {@code latest}; the same rule for the {@code fleetml} command and the Spark job. */
public final class Sessions {
    private Sessions() {
    }

    /**
     * The session {@code idOrLatest} names; {@code latest} is the newest finished session with at least one trained
     * device, in {@code experiment} when given.
     *
     * @throws StoreException NOT_FOUND, with what to do
     */
    public static SessionRecord find(TrackingStore tracking, String idOrLatest, String experiment) {
        if ("latest".equals(idOrLatest)) {
            return tracking.latest(experiment).orElseThrow(() -> StoreException.notFound("no finished session with a trained device in "
                    + tracking.location() + (experiment != null ? " for experiment '" + experiment + "'" : "") + "; run fleetml train first"));
        }
        return tracking.session(idOrLatest).orElseThrow(() -> StoreException.notFound("no session '" + idOrLatest + "' in "
                + tracking.location() + "; list them with: fleetml sessions"));
    }
}
