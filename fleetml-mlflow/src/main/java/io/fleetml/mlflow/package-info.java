/**
 * fleetml in MLflow's terms: an experiment is an experiment, a session is a parent run, a device run a nested run
 * (tagged {@code mlflow.parentRunId}), the spec its params, the outcome its metrics. {@link io.fleetml.mlflow.MlflowView}
 * is that mapping, once, for both directions: exporting a session to an MLflow server, and answering MLflow's REST
 * API for the sessions a fleetml store holds. The wire format is MLflow's own protobuf messages, from the official
 * client jar ({@code org.mlflow.api.proto}).
 */
package io.fleetml.mlflow;
