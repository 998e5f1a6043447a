package dev.trainingplatform.ml.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import dev.trainingplatform.ml.data.Split;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Runs a trained block over a whole split in inference mode and accumulates loss, predictions and
 * the confusion matrix. Used by the trainer (per-epoch test metrics) and the evaluator (the
 * published evaluation), so both report the same numbers for the same parameters.
 *
 * <p>Each batch is copied into one direct buffer that this object keeps for all its runs. DJL turns a
 * Java array into an NDArray through a new direct buffer, which the engine reads in place and only the
 * garbage collector frees: creating the whole split that way on every epoch left a test set's worth of
 * native memory per epoch waiting for a collection (a Fashion-MNIST job's trainer grew by 30 MiB an
 * epoch to 5 GiB before one came, docs/performance.md), since the compiled training step makes almost
 * no garbage on the Java heap to bring one on.
 */
public final class TestSetEvaluation {

    private final Split split;
    private final int batchSize;
    private final int classes;
    private final int perSample;
    private final ByteBuffer features;
    private final ByteBuffer labels;

    /** @param classes the number of classes, 0 for regression */
    public TestSetEvaluation(Split split, int batchSize, int classes) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("evaluation batch size must be positive, got " + batchSize);
        }
        this.split = split;
        this.batchSize = batchSize;
        this.classes = classes;
        this.perSample = Math.toIntExact(split.sampleShape().size());
        int rows = Math.min(batchSize, split.size());
        this.features = ByteBuffer.allocateDirect(Math.multiplyExact(Math.multiplyExact(rows, perSample), Float.BYTES))
                .order(ByteOrder.nativeOrder());
        this.labels = ByteBuffer.allocateDirect(rows * Float.BYTES).order(ByteOrder.nativeOrder());
    }

    /** One evaluation with a buffer of its own, for callers that evaluate a split once. */
    public static Outcome run(Block block, Loss loss, Split split, int batchSize, int classes, NDManager parent) {
        return new TestSetEvaluation(split, batchSize, classes).run(block, loss, parent);
    }

    /**
     * @param confusion for classifiers {@code [classes][classes]} (actual, predicted); null for regression
     * @param predictions regression: one prediction per sample; classifiers: predicted class per sample
     */
    public record Outcome(long samples, double meanLoss, long[][] confusion, float[] predictions) {

        public Double accuracy() {
            if (confusion == null) {
                return null;
            }
            long correct = 0;
            for (int i = 0; i < confusion.length; i++) {
                correct += confusion[i][i];
            }
            return samples == 0 ? 0.0 : (double) correct / samples;
        }
    }

    /** Evaluates {@code block} on the split; every array it makes is freed before it returns. */
    public Outcome run(Block block, Loss loss, NDManager parent) {
        long[][] confusion = classes > 0 ? new long[classes][classes] : null;
        float[] predictions = new float[split.size()];
        double lossSum = 0;
        try (NDManager manager = parent.newSubManager()) {
            ParameterStore params = new ParameterStore(manager, false);
            for (int start = 0; start < split.size(); start += batchSize) {
                int end = Math.min(split.size(), start + batchSize);
                int rows = end - start;
                // The arrays below read the buffers in place (on a CPU), so each batch's are closed
                // before the next batch is copied in.
                try (NDManager batch = manager.newSubManager()) {
                    NDArray x = batch.create(copy(features, split.features(), start * perSample, rows * perSample),
                            new Shape(rows).addAll(split.sampleShape()), DataType.FLOAT32);
                    NDArray y = batch.create(copy(labels, split.labels(), start, rows), new Shape(rows), DataType.FLOAT32);
                    NDArray out = block.forward(params, new NDList(x), false).singletonOrThrow();
                    out.attach(batch);
                    NDArray target = classes > 0 ? y : y.reshape(out.getShape());
                    // DJL losses average over the batch; weight by the batch size for the split mean.
                    lossSum += loss.evaluate(new NDList(target), new NDList(out)).getFloat() * rows;
                    float[] batchPredictions = classes > 0
                            ? out.argMax(1).toType(DataType.FLOAT32, false).toFloatArray()
                            : out.reshape(rows).toFloatArray();
                    System.arraycopy(batchPredictions, 0, predictions, start, rows);
                    if (confusion != null) {
                        float[] actual = split.labels();
                        for (int i = 0; i < rows; i++) {
                            confusion[(int) actual[start + i]][(int) batchPredictions[i]]++;
                        }
                    }
                }
            }
        }
        return new Outcome(split.size(), lossSum / split.size(), confusion, predictions);
    }

    /** {@code count} values from {@code from}, copied to the start of the buffer, as the engine reads it. */
    private static ByteBuffer copy(ByteBuffer buffer, float[] values, int from, int count) {
        buffer.clear().asFloatBuffer().put(values, from, count);
        return buffer.duplicate().clear().limit(count * Float.BYTES).slice().order(ByteOrder.nativeOrder());
    }
}
