package io.fleetml.model;

import io.fleetml.data.DeviceFrame;

/**
 * Fits one device's model from its training rows. This is what a user writes (or picks) for one device;
 * fleetml runs it for every device. An exception fails that device only.
 */
@FunctionalInterface
public interface DeviceTrainer {
    DeviceModel fit(DeviceFrame train) throws Exception;
}
