package dev.trainingplatform.ml.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import dev.trainingplatform.ml.data.Split;

/**
 * Runs a trained block over a whole split in inference mode and accumulates loss, predictions and
 * the confusion matrix. Used by the trainer (per-epoch test metrics) and the evaluator (the
 * published evaluation), so both report the same numbers for the same parameters.
 */
public final class TestSetEvaluation {

    private TestSetEvaluation() {}

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

    public static Outcome run(Block block, Loss loss, Split split, int batchSize, int classes, NDManager parent) {
        long[][] confusion = classes > 0 ? new long[classes][classes] : null;
        float[] predictions = new float[split.size()];
        double lossSum = 0;
        try (NDManager manager = parent.newSubManager()) {
            NDArray x = split.featuresArray(manager);
            NDArray y = split.labelsArray(manager);
            ParameterStore params = new ParameterStore(manager, false);
            for (int start = 0; start < split.size(); start += batchSize) {
                int end = Math.min(split.size(), start + batchSize);
                try (NDManager batch = manager.newSubManager()) {
                    NDIndex range = new NDIndex("{}:{}", start, end);
                    NDArray bx = x.get(range);
                    NDArray by = y.get(range);
                    bx.attach(batch);
                    by.attach(batch);
                    NDArray out = block.forward(params, new NDList(bx), false).singletonOrThrow();
                    out.attach(batch);
                    NDArray labels = classes > 0 ? by : by.reshape(out.getShape());
                    // DJL losses average over the batch; weight by the batch size for the split mean.
                    lossSum += loss.evaluate(new NDList(labels), new NDList(out)).getFloat() * (end - start);
                    float[] batchPredictions = classes > 0
                            ? out.argMax(1).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray()
                            : out.reshape(end - start).toFloatArray();
                    System.arraycopy(batchPredictions, 0, predictions, start, end - start);
                    if (confusion != null) {
                        float[] actual = by.toFloatArray();
                        for (int i = 0; i < actual.length; i++) {
                            confusion[(int) actual[i]][(int) batchPredictions[i]]++;
                        }
                    }
                }
            }
        }
        return new Outcome(split.size(), lossSum / split.size(), confusion, predictions);
    }
}
