/**
 * MLflow's REST API over a fleetml store ({@code /api/2.0/mlflow/...}, {@code /ajax-api/2.0/mlflow/...} and the
 * artifact proxy's {@code /api/2.0/mlflow-artifacts/...}): experiments, a session as a parent run, each device run as a
 * nested run, their metrics, params, tags and model files, and the registry. Requests and answers are MLflow's own
 * messages in MLflow's JSON, errors MLflow's {@code {"error_code", "message"}}. Nested runs are searched, filtered,
 * sorted and paged in the store's SQL, never all in memory. The only writes are setting and deleting an alias.
 */
package io.fleetml.server.mlflow;
