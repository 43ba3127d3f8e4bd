package io.fleetml.mlflow;

import io.fleetml.mlflow.RunFilter.Condition;
import io.fleetml.mlflow.RunFilter.FilterException;
import io.fleetml.mlflow.RunFilter.Kind;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class RunFilterTest {

    @Test
    void parsesMlflowsGrammar() {
        List<Condition> c = RunFilter.parse("metrics.r2 < 0.5 and tags.mlflow.parentRunId = 'X-1'  AND params.\"my key\" != \"v'1\" "
                + "And attributes.status = 'FAILED' and metric.`odd key` >= -1e3 and attr.run_id IN ('a', \"b\") and run.run_name ILIKE '%pump%'");
        assertEquals(7, c.size(), c.toString());
        assertEquals(new Condition(Kind.METRIC, "r2", "<", 0.5, null, List.of()), c.get(0));
        assertEquals(new Condition(Kind.TAG, "mlflow.parentRunId", "=", Double.NaN, "X-1", List.of()), c.get(1));
        assertEquals(new Condition(Kind.PARAM, "my key", "!=", Double.NaN, "v'1", List.of()), c.get(2));
        assertEquals("status", c.get(3).key());
        assertEquals(-1000, c.get(4).number());
        assertEquals("odd key", c.get(4).key());
        assertEquals(List.of("a", "b"), c.get(5).values());
        assertEquals("ILIKE", c.get(6).comparator());
        assertEquals(List.of(), RunFilter.parse("  "));
        assertEquals(List.of(), RunFilter.parse(null));
    }

    @Test
    void refusesWhatItCannotReadAndSaysWhere() {
        for (String bad : List.of("metrics.r2 < 'high'", "metrics.r2 LIKE 1", "tags.x = 3", "foo.x = 'a'", "metrics.r2 < 0.5 or metrics.r2 > 2",
                "metrics.r2 <", "params.a = 'unterminated", "attributes.colour = 'red'", "attributes.status IN ('A')", "metrics.r2 < 0.5 and",
                "metrics.r2 = NaN", "r2 < 0.5", "metrics. < 1")) {
            FilterException e = assertThrows(FilterException.class, () -> RunFilter.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("invalid filter"), e.getMessage());
        }
        assertTrue(assertThrows(FilterException.class, () -> RunFilter.parse("metrics.r2 < 0.5 or x")).getMessage().contains("at character 18"));
    }

    @Test
    void ordersReadKindKeyAndDirection() {
        assertEquals(List.of(new RunFilter.Order(Kind.METRIC, "mse", false), new RunFilter.Order(Kind.ATTRIBUTE, "start_time", true),
                        new RunFilter.Order(Kind.ATTRIBUTE, "run_name", true), new RunFilter.Order(Kind.PARAM, "alpha", false)),
                RunFilter.orders(List.of("metrics.mse DESC", "attributes.start_time", "run_name asc", "params.`alpha` desc")));
        assertThrows(FilterException.class, () -> RunFilter.orders(List.of("metrics.mse DOWN")));
        assertThrows(FilterException.class, () -> RunFilter.orders(List.of("colour")));
    }
}
