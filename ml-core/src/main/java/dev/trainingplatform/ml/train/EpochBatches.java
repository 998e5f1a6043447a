package dev.trainingplatform.ml.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.trainingplatform.ml.data.Split;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The batches of one epoch in an order that depends only on (seed, epoch), so the same job sees the
 * same data order whenever and wherever it runs, which a resumed run needs.
 *
 * <p>Rows are gathered for many batches at once, copied row by row from the split's arrays into one
 * native buffer that the engine reads in place, and each batch is a slice (a view, no copy) of them:
 * per batch, no per-sample objects, no index array and no gather. The buffer is bounded in size and
 * reused, so the data set is never held twice. Why not the engine's gather by index: libtorch's
 * advanced-indexing kernel copies element by element, a few percent of a small model's step, where
 * a row is one bulk copy here (docs/performance.md).
 *
 * <p>The next chunk is gathered on another thread while the current one trains, into the second of
 * two buffers (the engine reads the first in place until the chunk's batches are done): the copy, a
 * few percent of a small model's step, leaves the training thread for a core the step leaves idle.
 */
final class EpochBatches {

    /** Takes one batch; returns false to stop the epoch. */
    interface Step {
        boolean accept(NDList data, NDList labels);
    }

    private static final long CHUNK_BYTES = 32L << 20;
    private static final int MAX_CHUNK_BATCHES = 64;

    /** One thread for every job's gathers: a gather only copies Java arrays into a buffer, and jobs rarely overlap. */
    private static final ExecutorService GATHERER = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "epoch-batches-gather");
        thread.setDaemon(true);
        return thread;
    });

    private final Split split;
    private final Shape sampleShape;
    private final int perSample;
    private final int batchSize;
    private final boolean dropLast;
    private final long seed;
    private final int chunkBatches;
    /** Two of each: one the engine reads while the other is filled. */
    private final ByteBuffer[] featureBuffers = new ByteBuffer[2];
    private final ByteBuffer[] labelBuffers = new ByteBuffer[2];

    EpochBatches(Split split, int batchSize, boolean dropLast, long seed) {
        this(split, batchSize, dropLast, seed, chunkBatches(split, batchSize));
    }

    /** As many batches per gather as fit in CHUNK_BYTES of float features, at least one, at most 64. */
    private static int chunkBatches(Split split, int batchSize) {
        long batchBytes = split.sampleShape().size() * Float.BYTES * batchSize;
        return (int) Math.max(1, Math.min(MAX_CHUNK_BATCHES, CHUNK_BYTES / Math.max(1, batchBytes)));
    }

    EpochBatches(Split split, int batchSize, boolean dropLast, long seed, int chunkBatches) {
        this.split = split;
        this.sampleShape = split.sampleShape();
        this.perSample = Math.toIntExact(sampleShape.size());
        this.batchSize = batchSize;
        this.dropLast = dropLast;
        this.seed = seed;
        this.chunkBatches = chunkBatches;
        int chunkRows = (int) Math.min((long) chunkBatches * batchSize, split.size());
        // The second pair only where an epoch has a second chunk.
        for (int i = 0; i < (chunkRows < split.size() ? 2 : 1); i++) {
            featureBuffers[i] = ByteBuffer.allocateDirect(chunkRows * perSample * Float.BYTES);
            labelBuffers[i] = ByteBuffer.allocateDirect(chunkRows * Float.BYTES);
        }
    }

    static int[] permutation(int n, long seed, int epoch) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + epoch);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** Samples per epoch: all, or whole batches only when the last partial one is dropped. */
    long samplesPerEpoch() {
        long n = split.size();
        return dropLast && n > batchSize ? n / batchSize * batchSize : n;
    }

    /**
     * Hands every batch of {@code epoch} to {@code step}; what a batch allocates is freed after its
     * step, and a chunk's rows before the chunk after next is gathered into the same buffer.
     *
     * @return false if the step stopped the epoch
     */
    boolean forEach(int epoch, NDManager manager, Step step) {
        int usable = Math.toIntExact(samplesPerEpoch());
        int[] order = permutation(split.size(), seed, epoch);
        int chunkRows = chunkBatches * batchSize;
        CompletableFuture<Chunk> next = gather(order, 0, Math.min(usable, chunkRows), 0, false);
        try {
            for (int chunkStart = 0, k = 0; chunkStart < usable; chunkStart += chunkRows, k++) {
                Chunk gathered = await(next);
                int nextStart = chunkStart + chunkRows;
                // The buffer the chunk before this one was read from, its arrays all closed by now.
                next = nextStart < usable
                        ? gather(order, nextStart, Math.min(usable, nextStart + chunkRows) - nextStart, (k + 1) % 2, true)
                        : null;
                if (!trainOn(gathered, manager, step)) {
                    return false;
                }
            }
            return true;
        } finally {
            // Never leave a gather writing into a buffer that the next call will use.
            if (next != null) {
                next.handle((chunk, failure) -> null).join();
            }
        }
    }

    /** A chunk's rows, gathered into buffer pair {@code index}. */
    private record Chunk(int rows, ByteBuffer features, ByteBuffer labels) {}

    private CompletableFuture<Chunk> gather(int[] order, int from, int rows, int index, boolean ahead) {
        ByteBuffer features = featureBuffers[index];
        ByteBuffer labels = labelBuffers[index];
        if (!ahead) {
            return CompletableFuture.completedFuture(new Chunk(rows, gather(features, split.features(), perSample, order,
                    from, rows), gather(labels, split.labels(), 1, order, from, rows)));
        }
        return CompletableFuture.supplyAsync(() -> new Chunk(rows, gather(features, split.features(), perSample,
                order, from, rows), gather(labels, split.labels(), 1, order, from, rows)), GATHERER);
    }

    private static Chunk await(CompletableFuture<Chunk> chunk) {
        try {
            return chunk.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** Hands each of the chunk's batches to the step; what they allocate, and the chunk's arrays, are freed after. */
    private boolean trainOn(Chunk gathered, NDManager manager, Step step) {
        try (NDManager chunk = manager.newSubManager()) {
            NDArray x = chunk.create(gathered.features(), new Shape(gathered.rows()).addAll(sampleShape), DataType.FLOAT32);
            NDArray y = chunk.create(gathered.labels(), new Shape(gathered.rows()), DataType.FLOAT32);
            // The chunk's batches as views, made in one engine call (one chunk of one batch, as a
            // full-batch job's, is its own batch): DJL's indexing makes four JNI calls and an index
            // object per slice, which was 6 % of the regression workload's step.
            NDList xs = batches(x);
            NDList ys = batches(y);
            for (int i = 0; i < xs.size(); i++) {
                try (NDManager batch = chunk.newSubManager()) {
                    NDArray xb = xs.get(i);
                    NDArray yb = ys.get(i);
                    xb.attach(batch);
                    yb.attach(batch);
                    if (!step.accept(new NDList(xb), new NDList(yb))) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** A chunk cut into batches along its first axis, the last one possibly shorter. */
    private NDList batches(NDArray chunk) {
        long rows = chunk.getShape().get(0);
        int count = (int) ((rows + batchSize - 1) / batchSize);
        if (count == 1) {
            return new NDList(chunk);
        }
        long[] cuts = new long[count - 1];
        for (int i = 1; i < count; i++) {
            cuts[i - 1] = (long) i * batchSize;
        }
        return chunk.split(cuts);
    }

    /**
     * The values of {@code rows} samples (each {@code width} floats of {@code values}), taken from
     * position {@code from} of the order, copied into {@code buffer} as the engine reads it.
     */
    private static ByteBuffer gather(ByteBuffer buffer, float[] values, int width, int[] order, int from, int rows) {
        FloatBuffer out = buffer.clear().order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int i = 0; i < rows; i++) {
            out.put(values, order[from + i] * width, width);
        }
        return exactly(buffer, rows * width);
    }

    /** The first {@code floats} of a buffer, as the engine reads it: native order, nothing after it. */
    private static ByteBuffer exactly(ByteBuffer buffer, int floats) {
        return buffer.duplicate().clear().limit(floats * Float.BYTES).slice().order(ByteOrder.nativeOrder());
    }
}
