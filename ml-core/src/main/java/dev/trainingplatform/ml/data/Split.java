package dev.trainingplatform.ml.data;

import ai.djl.ndarray.types.Shape;

/**
 * One split of a data set held in two flat arrays: no per-sample objects; training batches are
 * copied row by row from them (EpochBatches), evaluation batches likewise (TestSetEvaluation).
 *
 * @param features    all samples, row-major, each of {@code sampleShape}
 * @param labels      class index (as a float) or regression target, one per sample
 */
public record Split(float[] features, Shape sampleShape, float[] labels) {

    public Split {
        long perSample = sampleShape.size();
        if (features.length != perSample * labels.length) {
            throw new IllegalArgumentException("features hold " + features.length + " values, expected "
                    + labels.length + " samples of " + sampleShape);
        }
    }

    public int size() {
        return labels.length;
    }

    /** The first {@code n} samples (all when n is null or larger). */
    public Split head(Integer n) {
        if (n == null || n >= size()) {
            return this;
        }
        int perSample = (int) sampleShape.size();
        float[] f = java.util.Arrays.copyOf(features, n * perSample);
        float[] l = java.util.Arrays.copyOf(labels, n);
        return new Split(f, sampleShape, l);
    }
}
