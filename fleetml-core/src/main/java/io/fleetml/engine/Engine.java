package io.fleetml.engine;

import io.fleetml.data.FleetSource;
import io.fleetml.score.PredictionSink;
import io.fleetml.score.ScoreReport;
import io.fleetml.store.FleetStore;
import io.fleetml.store.SessionRecord;
import io.fleetml.train.TrainSpec;

/** Runs training and scoring for every device of a fleet. */
public interface Engine {

    /**
     * Trains one model per device of {@code source}, stores the models and records a session with one
     * nested run per device. A device's failure is its run's status; the session still finishes.
     *
     * @throws io.fleetml.data.FleetInputException for bad input, before a session is opened where it can be known
     */
    TrainReport train(FleetSource source, TrainSpec spec, FleetStore store, Progress progress);

    /** Predicts every record of {@code source} with its device's model from {@code session}, loading each model once. */
    ScoreReport score(FleetSource source, SessionRecord session, FleetStore store, PredictionSink sink, Progress progress);
}
