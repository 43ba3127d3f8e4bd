package io.fleetml.data;

import java.util.Iterator;
import java.util.List;

/**
 * Where a fleet's rows come from. A source hands out one {@link DeviceFrame} per device, grouped and
 * ordered, streaming: only the frames being worked on are held in memory.
 */
public interface FleetSource extends AutoCloseable {

    /** What the rows were read from, for tracking and messages (e.g. a path or glob). */
    String description();

    /**
     * Where the rows can be read again (an absolute path or glob), recorded with a session so that resuming it
     * needs no {@code --data}; null when they cannot.
     */
    default String location() {
        return null;
    }

    /** The source's column names, in source order. */
    List<String> columns();

    /**
     * Checks that the query's columns exist and are numeric where they must be.
     *
     * @throws FleetInputException naming the column and, for a misspelling, the closest existing name
     */
    void check(FrameQuery query);

    /**
     * How outputs write the ids of {@code deviceColumn}: {@link DeviceIdType#INTEGER} for a whole-number
     * column that fits 64 bits.
     *
     * @throws FleetInputException when there is no such column
     */
    DeviceIdType deviceIds(String deviceColumn);

    /** Row and device counts for {@code query}; checks it first. */
    FleetShape shape(FrameQuery query);

    /** The frames of all devices, grouped by device, each device's rows in {@code query.orderBy()} order. */
    Frames frames(FrameQuery query);

    /** A stream of device frames that holds a database cursor until closed. */
    interface Frames extends Iterator<DeviceFrame>, AutoCloseable {
        @Override
        void close();
    }

    @Override
    void close();
}
