package io.fleetml.engine;

import io.fleetml.data.FleetSource;
import io.fleetml.data.FrameQuery;
import io.fleetml.resolve.ModelResolver;
import io.fleetml.score.PredictionSink;
import io.fleetml.score.ScoreReport;
import io.fleetml.store.ArtifactStore;
import io.fleetml.store.FleetStore;

/** Runs training and scoring for every device of a fleet. */
public interface Engine {

    /**
     * Trains what {@code plan} says (a new session, a resumed one, or a retraining) for the devices of
     * {@code source} it selects, stores the models and records the session through one
     * {@link TrainingCoordinator}. A device's failure is its run's status; the session still finishes.
     *
     * @throws io.fleetml.data.FleetInputException for bad input, before a session is opened where it can be known
     */
    TrainReport train(FleetSource source, TrainingCoordinator.Plan plan, FleetStore store, Progress progress);

    /**
     * Predicts every record {@code query} reads with the model {@code models} resolves for its device, loading
     * each model once. A device without a model, or whose model cannot be read, gets no predictions and is
     * counted; the rest are scored.
     */
    ScoreReport score(FleetSource source, FrameQuery query, ModelResolver models, ArtifactStore artifacts, PredictionSink sink,
                      Progress progress);
}
