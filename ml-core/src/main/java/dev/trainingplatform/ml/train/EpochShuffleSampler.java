package dev.trainingplatform.ml.train;

import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Batches of shuffled indices whose order depends only on (seed, epoch): the same job sees the same
 * data order whenever and wherever it runs, which a resumed run needs.
 */
final class EpochShuffleSampler implements Sampler {

    private final int batchSize;
    private final boolean dropLast;
    private final long seed;
    private int epoch;

    EpochShuffleSampler(int batchSize, boolean dropLast, long seed) {
        this.batchSize = batchSize;
        this.dropLast = dropLast;
        this.seed = seed;
    }

    void setEpoch(int epoch) {
        this.epoch = epoch;
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

    @Override
    public Iterator<List<Long>> sample(RandomAccessDataset dataset) {
        int n = Math.toIntExact(dataset.size());
        int[] order = permutation(n, seed, epoch);
        List<List<Long>> batches = new ArrayList<>();
        for (int start = 0; start < n; start += batchSize) {
            int end = Math.min(n, start + batchSize);
            if (dropLast && end - start < batchSize) {
                break;
            }
            List<Long> batch = new ArrayList<>(end - start);
            for (int i = start; i < end; i++) {
                batch.add((long) order[i]);
            }
            batches.add(batch);
        }
        return batches.iterator();
    }

    @Override
    public int getBatchSize() {
        return batchSize;
    }
}
