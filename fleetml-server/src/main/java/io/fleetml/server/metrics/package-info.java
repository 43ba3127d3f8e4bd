/**
 * The server's metrics, exposed at {@code /metrics} in Prometheus's text format: requests, latency, rows predicted and
 * the model cache's counters.
 */
package io.fleetml.server.metrics;
