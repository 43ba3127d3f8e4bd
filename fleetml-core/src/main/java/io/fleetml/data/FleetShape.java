package io.fleetml.data;

/**
 * How big a fleet is, known before its frames are read: sizes the thread plan and the progress bar.
 *
 * @param rows             rows with a device id
 * @param devices          distinct devices
 * @param rowsWithoutDevice rows whose device id is missing; they belong to no device and are not used
 */
public record FleetShape(long rows, long devices, long rowsWithoutDevice) {
}
