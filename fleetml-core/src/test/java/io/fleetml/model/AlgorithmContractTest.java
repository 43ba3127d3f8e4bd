package io.fleetml.model;

import io.fleetml.data.DeviceFrame;
import io.fleetml.data.FleetInputException;
import io.fleetml.train.Metrics;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The contract every algorithm meets: it learns, its artifact reads back to the same model, it checks its parameters. */
class AlgorithmContractTest {

    static Stream<Algorithm> algorithms() {
        return Stream.of(XGBoostAlgorithm.RANDOM_FOREST, XGBoostAlgorithm.GRADIENT_BOOSTING, RidgeAlgorithm.INSTANCE);
    }

    /** y = 1 + 2·x1 − 3·x2 + small noise. */
    static DeviceFrame frame(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x1 = new double[n];
        double[] x2 = new double[n];
        double[] y = new double[n];
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            x1[i] = r.nextDouble();
            x2[i] = r.nextDouble();
            y[i] = 1 + 2 * x1[i] - 3 * x2[i] + 0.05 * (r.nextDouble() - 0.5);
            ids[i] = i;
        }
        return new DeviceFrame("d", List.of("x1", "x2"), new double[][] {x1, x2}, y, ids);
    }

    @ParameterizedTest
    @MethodSource("algorithms")
    void learnsASimpleRelation(Algorithm a) throws Exception {
        DeviceModel model = a.trainer(Params.resolve(a, Map.of()), 1).fit(frame(2000, 1));
        DeviceFrame test = frame(500, 2);
        Metrics m = Metrics.of(test.label(), model.predict(test));
        assertTrue(m.r2() > 0.95, a.name() + " R² " + m.r2());
    }

    @ParameterizedTest
    @MethodSource("algorithms")
    void artifactReadsBackToTheSamePredictions(Algorithm a) throws Exception {
        DeviceModel model = a.trainer(Params.resolve(a, Map.of()), 1).fit(frame(500, 3));
        ModelArtifact artifact = model.artifact();
        DeviceModel loaded = a.load(artifact);
        DeviceFrame test = frame(100, 4);
        assertArrayEquals(model.predict(test), loaded.predict(test), 1e-6);
        assertFalse(artifact.fileName().isBlank());
        assertTrue(a.library().matches("\\w+ \\d+\\.\\d+.*"), a.library());
    }

    @ParameterizedTest
    @MethodSource("algorithms")
    void inSampleErrorReportedByFittingMatchesPredictingTheTrainingRows(Algorithm a) throws Exception {
        DeviceFrame train = frame(800, 9);
        DeviceModel model = a.trainer(Params.resolve(a, Map.of()), 1).fit(train);
        double predicted = Metrics.of(train.label(), model.predict(train)).mse();
        if (!Double.isNaN(model.trainingMse())) {
            assertEquals(predicted, model.trainingMse(), predicted * 1e-3);
        }
    }

    @ParameterizedTest
    @MethodSource("algorithms")
    void unknownParameterIsAnErrorThatSuggestsTheName(Algorithm a) {
        String known = a.defaults().keySet().iterator().next();
        FleetInputException e = assertThrows(FleetInputException.class, () -> Params.resolve(a, Map.of(known + "x", "1")));
        assertTrue(e.getMessage().contains("did you mean '" + known + "'"), e.getMessage());
    }

    @ParameterizedTest
    @MethodSource("algorithms")
    void badParameterValueIsAnError(Algorithm a) {
        String known = a.defaults().keySet().iterator().next();
        Map<String, String> params = Params.resolve(a, Map.of(known, "lots"));
        FleetInputException e = assertThrows(FleetInputException.class, () -> a.trainer(params, 1));
        assertTrue(e.getMessage().contains(known), e.getMessage());
    }

    @ParameterizedTest
    @MethodSource("algorithms")
    void sameSeedSameModel(Algorithm a) throws Exception {
        Map<String, String> p = Params.resolve(a, Map.of("seed", "7"));
        DeviceFrame f = frame(400, 5);
        DeviceFrame test = frame(50, 6);
        assertArrayEquals(a.trainer(p, 1).fit(f).predict(test), a.trainer(p, 2).fit(f).predict(test), 1e-6);
    }

    @ParameterizedTest
    @MethodSource("algorithms")
    void treeModelsPredictRowsWithMissingFeaturesTheLinearModelDoesNot(Algorithm a) throws Exception {
        DeviceModel model = a.trainer(Params.resolve(a, Map.of()), 1).fit(frame(300, 8));
        DeviceFrame missing = new DeviceFrame("d", List.of("x1", "x2"), new double[][] {{Double.NaN}, {0.5}}, null, new long[] {0});
        double p = model.predict(missing)[0];
        assertEquals(a.handlesMissingFeatures(), !Double.isNaN(p), a.name() + " predicted " + p);
    }
}
