/**
 * How one device's model is fit and applied: {@link io.fleetml.model.Algorithm} (a named, parameterised
 * way to fit), {@link io.fleetml.model.DeviceTrainer} (fits one device), {@link io.fleetml.model.DeviceModel}
 * (predicts and serialises itself). Built in: {@code random_forest} and {@code gradient_boosting}
 * (XGBoost4J) and {@code linear} (ridge regression on EJML). Users plug in their own with
 * {@link io.fleetml.model.Algorithm#custom}.
 */
package io.fleetml.model;
