package io.fleetml.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class MetricsTest {
    @Test
    void computesRegressionMetrics() {
        Metrics m = Metrics.of(new double[] {1, 2, 3, 4}, new double[] {1, 2, 3, 6});
        assertEquals(1.0, m.mse(), 1e-12);
        assertEquals(1.0, m.rmse(), 1e-12);
        assertEquals(0.5, m.mae(), 1e-12);
        assertEquals(1 - 4 / 5.0, m.r2(), 1e-12);
    }

    @Test
    void emptyAndConstantLabelsGiveNaNWhereUndefined() {
        assertTrue(Double.isNaN(Metrics.of(new double[0], new double[0]).mse()));
        Metrics constant = Metrics.of(new double[] {2, 2}, new double[] {2, 3});
        assertEquals(0.5, constant.mse(), 1e-12);
        assertTrue(Double.isNaN(constant.r2()));
    }
}
