package io.fleetml.engine;

import io.fleetml.data.DeviceFrame;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

class DevicePipelineTest {

    /** {@code n} devices of {@code rows} rows each, device ids "0", "1", ... */
    private static List<DeviceFrame> fleet(int n, int rows) {
        return IntStream.range(0, n).mapToObj(d -> new DeviceFrame(String.valueOf(d), List.of("x"), new double[][]{new double[rows]},
                null, new long[rows])).toList();
    }

    private static void sleepRandomly() {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextInt(3));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void commitsEveryBatchInReadOrderOnOneThreadOtherThanTheReader() {
        List<DeviceFrame> frames = fleet(3_000, 10); // 6 batches of 512 devices at most
        List<Integer> committed = new ArrayList<>();
        Set<Thread> committers = ConcurrentHashMap.newKeySet();
        DevicePipeline.run(frames.iterator(), 3, batch -> {
            sleepRandomly(); // later batches often finish first
            return batch;
        }, batch -> {
            committers.add(Thread.currentThread());
            batch.frames().forEach(f -> committed.add(Integer.parseInt(f.deviceId())));
        });
        assertEquals(IntStream.range(0, 3_000).boxed().toList(), committed);
        assertEquals(1, committers.size());
        assertNotEquals(Thread.currentThread(), committers.iterator().next());
    }

    @Test
    void aFailedBatchEndsTheRunAndNoLaterBatchIsCommitted() {
        List<Integer> committed = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger read = new AtomicInteger();
        var frames = fleet(20_000, 10).stream().peek(f -> read.incrementAndGet()).iterator();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> DevicePipeline.run(frames, 2, batch -> {
            if (batch.index() == 3) {
                throw new IllegalStateException("disk full");
            }
            sleepRandomly();
            return batch.index();
        }, committed::add));
        assertEquals("disk full", e.getMessage());
        assertEquals(List.of(0, 1, 2), committed);
        assertTrue(read.get() < 20_000, "reading stopped early: " + read.get());
    }

    @Test
    void aFailedCommitEndsTheRunToo() {
        List<Integer> committed = Collections.synchronizedList(new ArrayList<>());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> DevicePipeline.run(fleet(5_000, 10).iterator(), 2,
                DevicePipeline.Batch::index, index -> {
                    if (index == 2) {
                        throw new IllegalStateException("store locked");
                    }
                    committed.add(index);
                }));
        assertEquals("store locked", e.getMessage());
        assertEquals(List.of(0, 1), committed);
    }
}
