package io.fleetml.engine;

import io.fleetml.data.DeviceFrame;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Reads device frames on the calling thread, packs them into batches (many small devices together, a
 * large device alone), runs batches on worker threads and hands each batch's result back to the
 * calling thread in batch order. At most two batches per worker are in flight, so memory stays
 * bounded however large the fleet.
 */
final class DevicePipeline {
    static final int MAX_BATCH_ROWS = 65_536;
    static final int MAX_BATCH_DEVICES = 512;

    /** Devices trained together; {@code index} numbers batches from 0 in read order. */
    record Batch(int index, List<DeviceFrame> frames) {
    }

    private DevicePipeline() {
    }

    static <R> void run(Iterator<DeviceFrame> frames, int workers, Function<Batch, R> work, Consumer<R> commit) {
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "fleetml-worker");
            t.setDaemon(true);
            return t;
        });
        ArrayDeque<Future<R>> inFlight = new ArrayDeque<>();
        try {
            List<DeviceFrame> batch = new ArrayList<>();
            long rows = 0;
            int index = 0;
            while (frames.hasNext()) {
                DeviceFrame f = frames.next();
                batch.add(f);
                rows += f.rows();
                if (rows >= MAX_BATCH_ROWS || batch.size() >= MAX_BATCH_DEVICES) {
                    submit(pool, inFlight, new Batch(index++, batch), work, workers, commit);
                    batch = new ArrayList<>();
                    rows = 0;
                }
            }
            if (!batch.isEmpty()) {
                submit(pool, inFlight, new Batch(index, batch), work, workers, commit);
            }
            while (!inFlight.isEmpty()) {
                commit.accept(await(inFlight.poll()));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static <R> void submit(ExecutorService pool, ArrayDeque<Future<R>> inFlight, Batch batch,
                                   Function<Batch, R> work, int workers, Consumer<R> commit) {
        inFlight.add(pool.submit(() -> work.apply(batch)));
        while (inFlight.size() > 2 * workers || (!inFlight.isEmpty() && inFlight.peek().isDone())) {
            commit.accept(await(inFlight.poll()));
        }
    }

    private static <R> R await(Future<R> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        }
    }
}
