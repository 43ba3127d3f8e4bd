package io.fleetml.model;

import io.fleetml.data.DeviceFrame;

/**
 * Fits one device's model from its training rows. This is what a user writes (or picks) for one device;
 * fleetml runs it for every device. An exception fails that device only. Serializable, so that a
 * trainer written as a lambda can travel to Spark executors.
 */
@FunctionalInterface
public interface DeviceTrainer extends java.io.Serializable {
    DeviceModel fit(DeviceFrame train) throws Exception;
}
