package io.fleetml.model;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How much each feature weighs in a model, in the algorithm's own measure.
 *
 * @param kind   the measure: {@code gain} (average loss reduction of the splits on a feature, XGBoost) or
 *               {@code coefficient} (a linear model's coefficient, signed; compare features on a like scale only)
 * @param values by feature, largest magnitude first; a feature a tree never split on is absent
 */
public record FeatureImportances(String kind, Map<String, Double> values) {

    public FeatureImportances {
        LinkedHashMap<String, Double> sorted = new LinkedHashMap<>();
        values.entrySet().stream().sorted(Comparator.comparingDouble((Map.Entry<String, Double> e) -> -Math.abs(e.getValue()))
                .thenComparing(Map.Entry::getKey)).forEach(e -> sorted.put(e.getKey(), e.getValue()));
        values = java.util.Collections.unmodifiableMap(sorted);
    }

    /** Values given in feature order, as {@code features} names them. */
    public static FeatureImportances of(String kind, List<String> features, double[] values) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < values.length && i < features.size(); i++) {
            m.put(features.get(i), values[i]);
        }
        return new FeatureImportances(kind, m);
    }
}
