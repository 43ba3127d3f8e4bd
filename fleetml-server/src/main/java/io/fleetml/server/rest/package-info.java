/**
 * The HTTP routes: sessions and device runs ({@link io.fleetml.server.rest.SessionRoutes}), the registry
 * ({@link io.fleetml.server.rest.RegistryRoutes}), online prediction ({@link io.fleetml.server.rest.PredictRoutes}) and
 * operations ({@link io.fleetml.server.rest.OperationsRoutes}). Each class registers its routes and turns requests
 * into calls on the store, the registry or the predictor; errors are thrown, and answered in one shape by
 * {@link io.fleetml.server.ErrorResponses}.
 */
package io.fleetml.server.rest;
