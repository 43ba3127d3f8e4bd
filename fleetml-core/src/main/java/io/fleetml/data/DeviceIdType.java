package io.fleetml.data;

/**
 * How results and predictions write device ids. Inside fleetml a device id is text (a store key, a model
 * path); written out, ids from an integer device column are integers again, so the output joins back to
 * the source without a cast. Any other column type is written as text.
 */
public enum DeviceIdType {
    /** From a whole-number column whose values fit a 64-bit integer; written as one. */
    INTEGER,
    /** Anything else: written as its text. */
    TEXT;

    /** The output column of device ids of this type. */
    public TableFile.Column column(String name) {
        return this == INTEGER ? TableFile.Column.integer(name) : TableFile.Column.text(name);
    }

    /** The value written for {@code deviceId} (the id as text, as fleetml keeps it). */
    public Object value(String deviceId) {
        return this == INTEGER ? Long.valueOf(deviceId) : deviceId;
    }
}
