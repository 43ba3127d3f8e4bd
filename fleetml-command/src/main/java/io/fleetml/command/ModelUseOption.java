package io.fleetml.command;

import io.fleetml.resolve.ModelUse;
import picocli.CommandLine.Option;

/** Which of a session's models answer when scoring: {@code --use}. Shared by {@code fleetml score} and the Spark job. */
public final class ModelUseOption {
    @Option(names = "--use", defaultValue = "chosen", paramLabel = "MODEL", description = "Which of the session's models answer: "
            + "chosen (default: each device's chosen model, the fleet model for devices the session does not know), device, fleet, "
            + "hierarchical or stack (the last three need a session trained with --fleet).")
    String use;

    /** @throws io.fleetml.data.FleetInputException naming the choices */
    public ModelUse use() {
        return ModelUse.parse(use);
    }
}
