package io.fleetml.model;

import io.fleetml.data.DeviceFrame;
import io.fleetml.data.FleetInputException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.fleetml.model.AlgorithmContractTest.frame;
import static org.junit.jupiter.api.Assertions.*;

class XGBoostAlgorithmTest {

    private static double[] predictions(String treeMethod, DeviceFrame train, DeviceFrame test) throws Exception {
        XGBoostAlgorithm a = XGBoostAlgorithm.RANDOM_FOREST;
        try (DeviceModel m = a.trainer(Params.resolve(a, Map.of("n_estimators", "5", "tree_method", treeMethod)), 1).fit(train)) {
            return m.predict(test);
        }
    }

    @Test
    void autoGrowsExactTreesOnSmallDevicesAndHistogramsOnLargeOnes() throws Exception {
        DeviceFrame test = frame(50, 9);
        DeviceFrame small = frame(XGBoostAlgorithm.EXACT_BELOW_ROWS - 1, 1);
        assertArrayEquals(predictions("exact", small, test), predictions("auto", small, test));
        assertFalse(java.util.Arrays.equals(predictions("hist", small, test), predictions("auto", small, test)),
                "the methods differ on this data, so the comparison above could fail");
        DeviceFrame large = frame(XGBoostAlgorithm.EXACT_BELOW_ROWS, 1);
        assertArrayEquals(predictions("hist", large, test), predictions("auto", large, test));
    }

    @Test
    void anUnknownTreeMethodIsAnErrorThatListsTheChoices() {
        FleetInputException e = assertThrows(FleetInputException.class, () -> XGBoostAlgorithm.GRADIENT_BOOSTING.trainer(
                Params.resolve(XGBoostAlgorithm.GRADIENT_BOOSTING, Map.of("tree_method", "gpu_hist")), 1));
        assertEquals("parameter tree_method=gpu_hist must be one of auto, hist, exact, approx", e.getMessage());
    }

    @Test
    void importancesAreEachFeaturesGainByNameAfterTheModelIsReadBack() throws Exception {
        XGBoostAlgorithm a = XGBoostAlgorithm.GRADIENT_BOOSTING;
        try (DeviceModel fitted = a.trainer(Params.resolve(a, Map.of("n_estimators", "20")), 1).fit(frame(400, 3));
             DeviceModel m = a.load(fitted.artifact())) {
            FeatureImportances imp = m.importances(java.util.List.of("x1", "x2"));
            assertEquals("gain", imp.kind());
            // y = 1 + 2·x1 − 3·x2: the splits on x2 gain most
            assertEquals(java.util.List.of("x2", "x1"), java.util.List.copyOf(imp.values().keySet()));
            assertTrue(imp.values().get("x2") > imp.values().get("x1"));
        }
    }
}
