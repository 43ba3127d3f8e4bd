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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Reads device frames on the calling thread and packs them into batches (many small devices together, a
 * large device alone); worker threads run the batches, and one committing thread takes their results in
 * batch order. Reading, working and committing overlap: with 100,000 small devices, reading and committing
 * each take as long as the work. At most two batches per worker are in flight (read, not yet committed),
 * so memory stays bounded however large the fleet. The first failure, of a batch or of a commit, ends the
 * run: no later batch is committed, and the failure is thrown to the caller.
 */
final class DevicePipeline {

    /** Devices trained together; {@code index} numbers batches from 0 in read order. */
    record Batch(int index, List<DeviceFrame> frames) {
    }

    private final ExecutorService pool;
    private final ExecutorService committer = threads(1, "fleetml-commit");
    private final ArrayDeque<Future<?>> uncommitted = new ArrayDeque<>();
    private final AtomicBoolean failed = new AtomicBoolean();
    private final int maxInFlight;

    private DevicePipeline(int workers) {
        this.pool = threads(workers, "fleetml-worker");
        this.maxInFlight = 2 * workers;
    }

    static <R> void run(Iterator<DeviceFrame> frames, int workers, Function<Batch, R> work, Consumer<R> commit) {
        DevicePipeline pipeline = new DevicePipeline(workers);
        try {
            List<DeviceFrame> batch = new ArrayList<>();
            long rows = 0;
            int index = 0;
            while (frames.hasNext()) {
                DeviceFrame f = frames.next();
                batch.add(f);
                rows += f.rows();
                if (TrainingWorker.packFull(batch.size(), rows)) {
                    pipeline.submit(new Batch(index++, batch), work, commit);
                    batch = new ArrayList<>();
                    rows = 0;
                }
            }
            if (!batch.isEmpty()) {
                pipeline.submit(new Batch(index, batch), work, commit);
            }
            while (!pipeline.uncommitted.isEmpty()) {
                await(pipeline.uncommitted.poll());
            }
        } finally {
            pipeline.pool.shutdownNow();
            pipeline.committer.shutdownNow();
        }
    }

    private <R> void submit(Batch batch, Function<Batch, R> work, Consumer<R> commit) {
        Future<R> result = pool.submit(() -> work.apply(batch));
        uncommitted.add(committer.submit(() -> {
            if (!failed.get()) {
                try {
                    commit.accept(await(result));
                } catch (RuntimeException | Error e) {
                    failed.set(true);
                    throw e;
                }
            }
            return null;
        }));
        while (uncommitted.size() > maxInFlight || (!uncommitted.isEmpty() && uncommitted.peek().isDone())) {
            await(uncommitted.poll());
        }
    }

    private static ExecutorService threads(int n, String name) {
        return Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
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
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }
}
