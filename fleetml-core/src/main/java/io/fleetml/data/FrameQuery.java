package io.fleetml.data;

import java.util.List;

/**
 * Which columns make a device frame.
 *
 * @param deviceColumn the column that names the device
 * @param features     numeric feature columns
 * @param label        the label column, or {@code null} when scoring
 * @param idColumn     the record-id column, or {@code null} to number rows in source order
 * @param orderBy      columns that order each device's rows (e.g. a timestamp); source order when empty
 * @param devices      which devices to read
 */
public record FrameQuery(String deviceColumn, List<String> features, String label, String idColumn, List<String> orderBy,
                         DeviceFilter devices) {
    public FrameQuery {
        features = List.copyOf(features);
        orderBy = orderBy == null ? List.of() : List.copyOf(orderBy);
        devices = devices == null ? DeviceFilter.ALL : devices;
    }

    public FrameQuery(String deviceColumn, List<String> features, String label, String idColumn, List<String> orderBy) {
        this(deviceColumn, features, label, idColumn, orderBy, DeviceFilter.ALL);
    }

    /** The same query with another record-id column; null numbers the rows in source order. */
    public FrameQuery withIdColumn(String column) {
        return new FrameQuery(deviceColumn, features, label, column, orderBy, devices);
    }

    /** The same columns, for these devices only. */
    public FrameQuery withDevices(DeviceFilter filter) {
        return new FrameQuery(deviceColumn, features, label, idColumn, orderBy, filter);
    }

    /** Every column the query reads, once each. */
    public List<String> columns() {
        java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>();
        all.add(deviceColumn);
        all.addAll(features);
        if (label != null) {
            all.add(label);
        }
        if (idColumn != null) {
            all.add(idColumn);
        }
        all.addAll(orderBy);
        return List.copyOf(all);
    }
}
