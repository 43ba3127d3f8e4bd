/**
 * The fleetml HTTP server ({@link io.fleetml.server.FleetServer}, Javalin on Jetty): what it listens on and allows
 * ({@link io.fleetml.server.ServerConfig}), bearer-token checks, and the one error shape of every response
 * ({@link io.fleetml.server.ErrorResponses}). Its routes are in {@code rest}, online prediction in {@code predict},
 * metrics in {@code metrics}.
 */
package io.fleetml.server;
