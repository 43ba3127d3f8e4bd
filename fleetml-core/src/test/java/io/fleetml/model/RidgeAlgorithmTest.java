package io.fleetml.model;

import io.fleetml.data.DeviceFrame;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class RidgeAlgorithmTest {
    private static final DeviceFrame EXACT = new DeviceFrame("d", List.of("a", "b"),
            new double[][] {{0, 1, 2, 3, 4}, {1, 0, 1, 0, 2}}, new double[] {1 + 0 - 3, 1 + 2, 1 + 4 - 3, 1 + 6, 1 + 8 - 6}, new long[5]);

    @Test
    void recoversExactCoefficientsWithoutPenalty() {
        RidgeAlgorithm.Model m = RidgeAlgorithm.fit(EXACT, 0, true);
        assertEquals(1, m.intercept(), 1e-9);
        assertArrayEquals(new double[] {2, -3}, m.coefficients(), 1e-9);
    }

    @Test
    void penaltyShrinksCoefficientsButNotTheIntercept() {
        RidgeAlgorithm.Model m = RidgeAlgorithm.fit(EXACT, 10, true);
        assertTrue(Math.abs(m.coefficients()[0]) < 2 && Math.abs(m.coefficients()[1]) < 3);
        // with centred data the intercept makes the mean prediction equal the mean label
        double meanPrediction = java.util.Arrays.stream(m.predict(EXACT)).average().orElseThrow();
        assertEquals(java.util.Arrays.stream(EXACT.label()).average().orElseThrow(), meanPrediction, 1e-9);
    }

    @Test
    void collinearFeaturesWithoutPenaltyFailWithAnActionableMessage() {
        DeviceFrame collinear = new DeviceFrame("d", List.of("a", "b"), new double[][] {{0, 1, 2}, {0, 2, 4}}, new double[] {0, 1, 2}, new long[3]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RidgeAlgorithm.fit(collinear, 0, true));
        assertTrue(e.getMessage().contains("alpha > 0"));
    }

    @Test
    void theModelFileIsPlainJsonThatReadsBackExactly() {
        RidgeAlgorithm.Model m = RidgeAlgorithm.fit(EXACT, 0.1, true);
        ModelArtifact artifact = m.artifact();
        String json = new String(artifact.bytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(json.startsWith("{\"type\":\"ridge\",\"intercept\":") && json.endsWith("\"features\":[\"a\",\"b\"]}"), json);
        RidgeAlgorithm.Model back = (RidgeAlgorithm.Model) RidgeAlgorithm.INSTANCE.load(artifact);
        assertEquals(m.intercept(), back.intercept());
        assertArrayEquals(m.coefficients(), back.coefficients());
        assertEquals(m.features(), back.features());

        // written by another tool: other field order, extra fields, integers
        String other = "{\"features\": [\"a\", \"b\"], \"note\": {\"by\": \"hand\"}, \"coefficients\": [2, -3], \"intercept\": 1}";
        DeviceModel hand = RidgeAlgorithm.INSTANCE.load(new ModelArtifact("model.json", other.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertArrayEquals(EXACT.label(), hand.predict(EXACT), 1e-12);

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> RidgeAlgorithm.INSTANCE.load(
                new ModelArtifact("model.json", "{\"intercept\": 1, \"coefficients\": [2]}".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        assertTrue(e.getMessage().contains("cannot read linear model model.json") && e.getMessage().contains("features"), e.getMessage());
    }
}
