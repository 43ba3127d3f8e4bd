/**
 * What a session's device runs add up to, as a person reads a fleet at a glance: histograms of a holdout metric,
 * training rows against the metric in bins, status and model-choice counts, failure reasons grouped, and two
 * sessions compared device by device. {@link io.fleetml.stats.SessionStats} is computed by the store in its query
 * language, so that showing a 100,000-device session never moves 100,000 runs.
 */
package io.fleetml.stats;
