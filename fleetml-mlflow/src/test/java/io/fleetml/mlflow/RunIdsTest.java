package io.fleetml.mlflow;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class RunIdsTest {

    @Test
    void anyDeviceIdRoundTripsInAUrlSafeRunIdAndDistinctIdsStayDistinct() {
        List<String> devices = List.of("17", "pump-7", "a_b", "a/b/../c", "", " ", "x-2D", "é 漢", "it's \"quoted\"", "_", "-", "%41", "A");
        Set<String> runIds = new HashSet<>();
        for (String d : devices) {
            String id = RunIds.nested("20250101-120000-ab12", d);
            assertTrue(id.matches("[A-Za-z0-9_-]+"), id);
            assertTrue(runIds.add(id), "distinct: " + id);
            assertEquals(new RunIds.Nested("20250101-120000-ab12", d), RunIds.parse(id), d);
        }
        assertEquals("S_17", RunIds.nested("S", "17"));
        assertEquals("S_pump-2D7", RunIds.nested("S", "pump-7"));
        assertEquals(new RunIds.Nested("a_b", "c"), RunIds.parse(RunIds.nested("a_b", "c")), "the last _ separates");
    }

    @Test
    void whatIsNotANestedRunIdParsesToNull() {
        assertNull(RunIds.parse("20250101-120000-ab12"), "a session's own id");
        assertNull(RunIds.parse("S_a-ZZ"), "a bad escape");
        assertNull(RunIds.parse("S_a-2"), "a cut escape");
        assertNull(RunIds.parse("S_-41"), "'A' escaped is not how A is written");
        assertNull(RunIds.parse("_x"), "no session");
    }
}
