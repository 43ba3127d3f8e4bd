package io.fleetml.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The heterogeneous synthetic fleet: its sizes, its later rows and unseen devices, its law, and one seed one content. */
class HeterogeneousFleetTest {
    @TempDir
    Path dir;

    private static Connection duckDb() throws SQLException {
        return DriverManager.getConnection("jdbc:duckdb:");
    }

    private static long one(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getLong(1);
        }
    }

    @Test
    void theSameSeedWritesTheSameFilesAndTheTrainingFileIsTheSameWithoutALaterFile() throws IOException {
        SyntheticFleet.writeHeterogeneous(dir.resolve("a.csv"), dir.resolve("a-later.csv"), 300, 11);
        SyntheticFleet.writeHeterogeneous(dir.resolve("b.csv"), dir.resolve("b-later.csv"), 300, 11);
        SyntheticFleet.Heterogeneous alone = SyntheticFleet.writeHeterogeneous(dir.resolve("c.csv"), null, 300, 11);
        SyntheticFleet.writeHeterogeneous(dir.resolve("d.csv"), dir.resolve("d-later.csv"), 300, 12);
        assertArrayEquals(Files.readAllBytes(dir.resolve("a.csv")), Files.readAllBytes(dir.resolve("b.csv")));
        assertArrayEquals(Files.readAllBytes(dir.resolve("a-later.csv")), Files.readAllBytes(dir.resolve("b-later.csv")));
        assertArrayEquals(Files.readAllBytes(dir.resolve("a.csv")), Files.readAllBytes(dir.resolve("c.csv")), "--later changes nothing in --out");
        assertEquals(0, alone.laterRows());
        assertEquals(0, alone.unseenDevices());
        assertFalse(Files.exists(dir.resolve("c-later.csv")));
        assertFalse(Files.readAllLines(dir.resolve("a.csv")).equals(Files.readAllLines(dir.resolve("d.csv"))), "another seed, another fleet");
        assertEquals("record_id,device_id,hour,feature_1,feature_2,feature_3,label", Files.readAllLines(dir.resolve("a.csv")).get(0));
        assertEquals("record_id,device_id,hour,feature_1,feature_2,feature_3,label", Files.readAllLines(dir.resolve("a-later.csv")).get(0));
    }

    @Test
    void sizesAreHeavyTailedLaterRowsComeLaterAndUnseenDevicesOnlyInTheLaterFile() throws Exception {
        Path fleet = dir.resolve("fleet.parquet");
        Path later = dir.resolve("later.parquet");
        SyntheticFleet.Heterogeneous w = SyntheticFleet.writeHeterogeneous(fleet, later, 2_000, 42);
        assertEquals(2_000, w.devices());
        assertEquals(200, w.unseenDevices());
        String f = "'" + fleet + "'";
        String l = "'" + later + "'";
        try (Connection db = duckDb(); Statement st = db.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM " + f + ")")) {
                List<String> columns = new ArrayList<>();
                while (rs.next()) {
                    columns.add(rs.getString(1) + " " + rs.getString(2));
                }
                assertEquals(List.of("record_id BIGINT", "device_id BIGINT", "hour BIGINT", "feature_1 DOUBLE", "feature_2 DOUBLE",
                        "feature_3 DOUBLE", "label DOUBLE"), columns);
            }
            assertEquals(w.rows(), one(st, "SELECT count(*) FROM " + f));
            assertEquals(w.laterRows(), one(st, "SELECT count(*) FROM " + l));
            st.execute("CREATE TABLE sizes AS SELECT device_id, count(*) AS n, min(hour) AS first, max(hour) AS last FROM " + f + " GROUP BY device_id");
            assertEquals(2_000, one(st, "SELECT count(*) FROM sizes"));
            assertEquals(0, one(st, "SELECT min(device_id) FROM sizes"));
            assertEquals(1_999, one(st, "SELECT max(device_id) FROM sizes"));
            assertEquals(w.minRows(), one(st, "SELECT min(n) FROM sizes"));
            assertEquals(w.maxRows(), one(st, "SELECT max(n) FROM sizes"));
            assertTrue(w.minRows() >= 3 && w.maxRows() <= 5_000, w.toString());
            long small = one(st, "SELECT count(*) FROM sizes WHERE n <= 30");
            long large = one(st, "SELECT count(*) FROM sizes WHERE n >= 1000");
            assertTrue(small >= 1_200 && small <= 1_400, "60-70% of devices have at most 30 rows: " + small);
            assertTrue(large >= 10 && large <= 40, "about 1% have 1,000 or more: " + large);
            assertEquals(0, one(st, "SELECT count(*) FROM sizes WHERE first <> 0 OR last <> n - 1"), "hours 0 … n-1");

            st.execute("CREATE TABLE later_sizes AS SELECT device_id, count(*) AS n, min(hour) AS first, max(hour) AS last FROM " + l + " GROUP BY device_id");
            assertEquals(2_000, one(st, "SELECT count(*) FROM later_sizes JOIN sizes USING (device_id)"), "every trained device has later rows");
            assertEquals(0, one(st, "SELECT count(*) FROM later_sizes JOIN sizes s USING (device_id) WHERE later_sizes.first <= s.last"),
                    "each device's later rows come after its training rows");
            assertEquals(0, one(st, "SELECT count(*) FROM later_sizes JOIN sizes s USING (device_id) "
                    + "WHERE later_sizes.n <> greatest(2, s.n // 5) OR later_sizes.first <> s.n OR later_sizes.last <> s.n + later_sizes.n - 1"));
            assertEquals(200, one(st, "SELECT count(*) FROM later_sizes WHERE device_id NOT IN (SELECT device_id FROM sizes)"));
            assertEquals(0, one(st, "SELECT count(*) FROM later_sizes WHERE device_id NOT IN (SELECT device_id FROM sizes) "
                    + "AND (device_id < 2000 OR device_id >= 2200 OR n < 5 OR n > 50 OR first <> 0 OR last <> n - 1)"),
                    "unseen devices: ids after the trained ones, 5 to 50 rows from hour 0");

            long all = w.rows() + w.laterRows();
            assertEquals(all, one(st, "SELECT count(DISTINCT record_id) FROM (SELECT record_id FROM " + f + " UNION ALL SELECT record_id FROM " + l + ")"),
                    "record ids unique across both files");
            assertEquals(0, one(st, "SELECT min(record_id) FROM (SELECT record_id FROM " + f + " UNION ALL SELECT record_id FROM " + l + ")"));
            assertEquals(all - 1, one(st, "SELECT max(record_id) FROM (SELECT record_id FROM " + f + " UNION ALL SELECT record_id FROM " + l + ")"));
            assertEquals(0, one(st, "SELECT count(*) FROM (SELECT * FROM " + f + " UNION ALL SELECT * FROM " + l + ") "
                    + "WHERE NOT (feature_1 BETWEEN 0 AND 2 AND feature_2 BETWEEN 0 AND 2 AND feature_3 BETWEEN 0 AND 2) OR label IS NULL"));
        }
    }

    /**
     * The documented law: for every device with enough rows, exactly one of s = 1, −1, 3 makes
     * {@code label − s·g(x)} linear in the features up to noise of sd 0.3, and s ≠ 1 for about a tenth of them.
     */
    @Test
    void everyDeviceFollowsTheSharedLawScaledPlusItsOwnLinearPart() throws Exception {
        Path fleet = dir.resolve("fleet.parquet");
        Path later = dir.resolve("later.parquet");
        SyntheticFleet.writeHeterogeneous(fleet, later, 3_000, 5);
        Map<Long, List<double[]>> rows = new HashMap<>();
        try (Connection db = duckDb(); Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT device_id, feature_1, feature_2, feature_3, label FROM (SELECT * FROM '" + fleet
                     + "' UNION ALL SELECT * FROM '" + later + "') WHERE device_id IN (SELECT device_id FROM (SELECT * FROM '" + fleet
                     + "' UNION ALL SELECT * FROM '" + later + "') GROUP BY device_id HAVING count(*) >= 40)")) {
            while (rs.next()) {
                rows.computeIfAbsent(rs.getLong(1), d -> new ArrayList<>()).add(new double[] {rs.getDouble(2), rs.getDouble(3), rs.getDouble(4), rs.getDouble(5)});
            }
        }
        assertTrue(rows.size() > 500, "devices with 40 rows or more: " + rows.size());
        int departers = 0;
        boolean unseenChecked = false;
        for (Map.Entry<Long, List<double[]>> device : rows.entrySet()) {
            List<Double> fits = new ArrayList<>();
            for (double s : new double[] {1, -1, 3}) {
                if (residualSd(device.getValue(), s) < 0.4) {
                    fits.add(s);
                }
            }
            assertEquals(1, fits.size(), "device " + device.getKey() + ": exactly one scale of g fits, not " + fits);
            departers += fits.get(0) == 1 ? 0 : 1;
            unseenChecked |= device.getKey() >= 3_000;
        }
        assertTrue(unseenChecked, "unseen devices follow the law too");
        double share = departers / (double) rows.size();
        assertTrue(share > 0.05 && share < 0.16, "about a tenth of the devices depart: " + share);
    }

    private static double g(double x1, double x2, double x3) {
        return 3 * Math.sin(2 * x1) + 2 * x2 * x2 - x1 * x3;
    }

    /** The residual sd of {@code label − s·g(x)} regressed by least squares on {@code 1, x1, x2, x3}. */
    private static double residualSd(List<double[]> rows, double s) {
        double[][] a = new double[4][5]; // normal equations, augmented
        for (double[] r : rows) {
            double[] z = {1, r[0], r[1], r[2]};
            double y = r[3] - s * g(r[0], r[1], r[2]);
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    a[i][j] += z[i] * z[j];
                }
                a[i][4] += z[i] * y;
            }
        }
        for (int p = 0; p < 4; p++) { // Gauss-Jordan; the features are uniform, so the system is well conditioned
            for (int i = 0; i < 4; i++) {
                if (i != p) {
                    double m = a[i][p] / a[p][p];
                    for (int j = p; j < 5; j++) {
                        a[i][j] -= m * a[p][j];
                    }
                }
            }
        }
        double sse = 0;
        for (double[] r : rows) {
            double fit = a[0][4] / a[0][0] + a[1][4] / a[1][1] * r[0] + a[2][4] / a[2][2] * r[1] + a[3][4] / a[3][3] * r[2];
            double e = r[3] - s * g(r[0], r[1], r[2]) - fit;
            sse += e * e;
        }
        return Math.sqrt(sse / (rows.size() - 4));
    }

    @Test
    void badInputIsOneLineAndWritesNothing() {
        assertThrows(FleetInputException.class, () -> SyntheticFleet.writeHeterogeneous(dir.resolve("f.parquet"), null, 0, 1));
        FleetInputException same = assertThrows(FleetInputException.class,
                () -> SyntheticFleet.writeHeterogeneous(dir.resolve("f.parquet"), dir.resolve("f.parquet"), 10, 1));
        assertTrue(same.getMessage().contains("two files"), same.getMessage());
        assertThrows(FleetInputException.class, () -> SyntheticFleet.writeHeterogeneous(dir.resolve("f.parquet"), dir.resolve("later.txt"), 10, 1));
        assertFalse(Files.exists(dir.resolve("f.parquet")), "nothing written before the names are checked");
    }
}
