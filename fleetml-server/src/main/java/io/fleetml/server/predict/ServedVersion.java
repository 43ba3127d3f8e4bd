package io.fleetml.server.predict;

import io.fleetml.resolve.SessionModels;
import io.fleetml.score.DeviceScoring;
import io.fleetml.store.SessionRecord;

/**
 * A registered version's session made ready to predict: its device-to-model map, read from the store once, and
 * scoring through the server's one model cache.
 *
 * @param session the session the version names
 * @param models  which model answers for each device (the fleet model for devices it does not know, when it has one)
 * @param scoring predicts a device's rows with its model
 */
public record ServedVersion(SessionRecord session, SessionModels models, DeviceScoring scoring) {
}
