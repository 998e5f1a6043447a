package dev.trainingplatform.ml.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.SplittableRandom;

/**
 * The batches of one epoch in an order that depends only on (seed, epoch), so the same job sees the
 * same data order whenever and wherever it runs, which a resumed run needs.
 *
 * <p>Rows are gathered for many batches at once, with one index operation on the whole split's
 * array, and each batch is a slice (a view, no copy) of them: per batch, no per-sample objects, no
 * index array and no gather. The chunk is bounded in size, so the data set is never held twice.
 */
final class EpochBatches {

    /** Takes one batch; returns false to stop the epoch. */
    interface Step {
        boolean accept(NDList data, NDList labels);
    }

    private static final long CHUNK_BYTES = 32L << 20;
    private static final int MAX_CHUNK_BATCHES = 64;

    private final NDArray features;
    private final NDArray labels;
    private final int batchSize;
    private final boolean dropLast;
    private final long seed;
    private final int chunkBatches;

    EpochBatches(NDArray features, NDArray labels, int batchSize, boolean dropLast, long seed) {
        this(features, labels, batchSize, dropLast, seed, chunkBatches(features, batchSize));
    }

    /** As many batches per gather as fit in CHUNK_BYTES of float features, at least one, at most 64. */
    private static int chunkBatches(NDArray features, int batchSize) {
        long batchBytes = features.getShape().size() / features.getShape().get(0) * Float.BYTES * batchSize;
        return (int) Math.max(1, Math.min(MAX_CHUNK_BATCHES, CHUNK_BYTES / Math.max(1, batchBytes)));
    }

    EpochBatches(NDArray features, NDArray labels, int batchSize, boolean dropLast, long seed, int chunkBatches) {
        this.features = features;
        this.labels = labels;
        this.batchSize = batchSize;
        this.dropLast = dropLast;
        this.seed = seed;
        this.chunkBatches = chunkBatches;
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
        long n = features.getShape().get(0);
        return dropLast && n > batchSize ? n / batchSize * batchSize : n;
    }

    /**
     * Hands every batch of {@code epoch} to {@code step}; what a batch allocates is freed after its
     * step. @return false if the step stopped the epoch
     */
    boolean forEach(int epoch, NDManager manager, Step step) {
        int n = Math.toIntExact(features.getShape().get(0));
        int usable = Math.toIntExact(samplesPerEpoch());
        int[] order = permutation(n, seed, epoch);
        int chunkRows = chunkBatches * batchSize;
        for (int chunkStart = 0; chunkStart < usable; chunkStart += chunkRows) {
            int chunkEnd = Math.min(usable, chunkStart + chunkRows);
            long[] rows = new long[chunkEnd - chunkStart];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = order[chunkStart + i];
            }
            try (NDManager chunk = manager.newSubManager()) {
                NDIndex index = new NDIndex("{}", chunk.create(rows));
                NDArray x = features.get(chunk, index);
                NDArray y = labels.get(chunk, index);
                for (int start = 0; start < rows.length; start += batchSize) {
                    int end = Math.min(rows.length, start + batchSize);
                    try (NDManager batch = chunk.newSubManager()) {
                        NDIndex slice = new NDIndex().addSliceDim(start, end);
                        NDArray xb = x.get(slice);
                        NDArray yb = y.get(slice);
                        xb.attach(batch);
                        yb.attach(batch);
                        if (!step.accept(new NDList(xb), new NDList(yb))) {
                            return false;
                        }
                    }
                }
            }
        }
        return true;
    }
}
