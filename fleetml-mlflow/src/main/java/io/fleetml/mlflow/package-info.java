/**
 * fleetml in MLflow's terms: an experiment is an experiment, a session is a parent run, a device run a nested run
 * (tagged {@code mlflow.parentRunId}), the spec its params, the outcome its metrics. {@link io.fleetml.mlflow.MlflowView}
 * is that mapping, once, for both directions: exporting a session to an MLflow server, and answering MLflow's REST
 * API for the sessions a fleetml store holds. The wire format is MLflow's own protobuf messages, from the official
 * client jar ({@code org.mlflow.api.proto}).
 *
 * <p>Export: {@link io.fleetml.mlflow.MlflowExport} puts a finished session into an MLflow server (parent run, nested
 * runs by {@link io.fleetml.mlflow.NestedPolicy}, artifacts through MLflow's artifact proxy, a registered version),
 * idempotently, over {@link io.fleetml.mlflow.MlflowHttp} (bounded parallel requests, retries with backoff).
 */
package io.fleetml.mlflow;
