package io.fleetml.command;

import io.fleetml.data.FleetInputException;
import io.fleetml.registry.ModelName;
import io.fleetml.registry.ModelVersion;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.StoreException;
import io.fleetml.store.TrackingStore;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * Whose models score: {@code --session ID|latest [--experiment NAME]} or {@code --model NAME@ALIAS|NAME/VERSION}. Shared by
 * {@code fleetml score} and the Spark job.
 */
public final class ScoredModelsOption {
    @ArgGroup(multiplicity = "1")
    Choice choice;

    @Option(names = "--experiment", paramLabel = "NAME", description = "With --session latest: the newest of this experiment's sessions.")
    String experiment;

    static final class Choice {
        @Option(names = "--session", required = true, paramLabel = "ID|latest",
                description = "Training session whose models to use; 'latest' is the newest finished one with a trained device.")
        String session;

        @Option(names = "--model", required = true, paramLabel = "NAME@ALIAS|NAME/VERSION",
                description = "A registered version's models instead of a session's (see fleetml registry), e.g. pumps@champion.")
        String model;
    }

    /**
     * The session whose models score, and the registered version that named it (null with {@code --session}).
     *
     * @param session the session
     * @param version the version, or null
     */
    public record Scored(SessionRecord session, ModelVersion version) {
    }

    /** @throws FleetInputException or {@link StoreException} naming what is not there */
    public Scored resolve(TrackingStore tracking) {
        if (choice.model == null) {
            return new Scored(Sessions.find(tracking, choice.session, experiment), null);
        }
        if (experiment != null) {
            throw new FleetInputException("--experiment picks a session with --session latest; a registered model needs none");
        }
        ModelVersion version = tracking.registry().version(ModelName.parse(choice.model));
        SessionRecord session = tracking.session(version.sessionId()).orElseThrow(() -> StoreException.notFound(
                "version " + version.ref() + " names session " + version.sessionId() + ", which is not in the store"));
        return new Scored(session, version);
    }
}
