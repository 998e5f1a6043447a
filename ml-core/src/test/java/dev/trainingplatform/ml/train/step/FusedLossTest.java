package dev.trainingplatform.ml.train.step;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.loss.Loss;
import dev.trainingplatform.contract.LossType;
import dev.trainingplatform.ml.DjlRuntime;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The step's one-call loss against the DJL losses it stands for, in value, gradient and count. */
class FusedLossTest {

    private static final Random RANDOM = new Random(7);

    private static float[] gaussian(int n, float scale) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) RANDOM.nextGaussian() * scale;
        }
        return values;
    }

    /** The loss's value and its gradient with respect to the predictions. */
    private record ValueAndGradient(float value, float[] gradient) {}

    private static ValueAndGradient backward(NDManager manager, float[] predictions, Shape shape,
                                             Function<NDArray, NDArray> loss) {
        NDArray x = manager.create(predictions, shape);
        x.setRequiresGradient(true);
        try (GradientCollector collector = DjlRuntime.engine().newGradientCollector()) {
            NDArray l = loss.apply(x);
            collector.backward(l);
            return new ValueAndGradient(l.getFloat(), x.getGradient().toFloatArray());
        }
    }

    private static void assertClose(ValueAndGradient actual, ValueAndGradient expected) {
        assertThat(actual.value()).isCloseTo(expected.value(), within(1e-5f));
        assertThat(actual.gradient()).hasSameSizeAs(expected.gradient());
        for (int i = 0; i < expected.gradient().length; i++) {
            assertThat(actual.gradient()[i]).as("gradient %d", i).isCloseTo(expected.gradient()[i], within(1e-6f));
        }
    }

    @Test
    void crossEntropyIsDjlsSoftmaxCrossEntropyInValueAndGradientAndCountsTheRightArgMaxes() {
        int n = 9;
        int classes = 4;
        Shape shape = new Shape(n, classes);
        float[] logits = gaussian(n * classes, 3f);
        float[] labels = new float[n];
        long right = 0;
        for (int i = 0; i < n; i++) {
            labels[i] = RANDOM.nextInt(classes);
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (logits[i * classes + c] > logits[i * classes + best]) {
                    best = c;
                }
            }
            right += best == (int) labels[i] ? 1 : 0;
        }
        try (NDManager manager = DjlRuntime.engine().newBaseManager();
             FusedLoss fused = FusedLoss.of(LossType.SOFTMAX_CROSS_ENTROPY, shape, manager)) {
            assertThat(fused).isNotNull();
            NDArray y = manager.create(labels);
            Loss djl = dev.trainingplatform.ml.eval.Losses.of(LossType.SOFTMAX_CROSS_ENTROPY);
            ValueAndGradient expected = backward(manager, logits, shape, x -> djl.evaluate(new NDList(y), new NDList(x)));
            long[] counted = new long[1];
            float[] reported = new float[1];
            ValueAndGradient actual = backward(manager, logits, shape, x -> {
                FusedLoss.Evaluation e = fused.evaluate(x, y);
                counted[0] = e.correct();
                reported[0] = e.value();
                return e.loss();
            });

            assertClose(actual, expected);
            assertThat(reported[0]).isEqualTo(actual.value());
            assertThat(counted[0]).isEqualTo(right);
            assertThat(right).isBetween(1L, n - 1L); // the count is tested on a mixed batch
        }
    }

    @Test
    void meanSquaredErrorIsDjlsL2LossOfWeightOneInValueAndGradient() {
        int n = 11;
        Shape shape = new Shape(n, 1);
        float[] predictions = gaussian(n, 2f);
        float[] labels = gaussian(n, 2f);
        try (NDManager manager = DjlRuntime.engine().newBaseManager();
             FusedLoss fused = FusedLoss.of(LossType.MSE, shape, manager)) {
            NDArray y = manager.create(labels); // (n), as batches carry them, against predictions (n, 1)
            Loss djl = dev.trainingplatform.ml.eval.Losses.of(LossType.MSE);
            ValueAndGradient expected = backward(manager, predictions, shape, x -> djl.evaluate(new NDList(y), new NDList(x)));
            long[] counted = new long[1];
            ValueAndGradient actual = backward(manager, predictions, shape, x -> {
                FusedLoss.Evaluation e = fused.evaluate(x, y);
                counted[0] = e.correct();
                return e.loss();
            });

            assertClose(actual, expected);
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += (predictions[i] - labels[i]) * (predictions[i] - labels[i]);
            }
            assertThat(actual.value()).isCloseTo((float) (sum / n), within(1e-4f));
            assertThat(counted[0]).isEqualTo(-1);
        }
    }

    @Test
    void aClassifierWhoseOutputIsNotBatchByClassesKeepsDjlsComposedLoss() {
        try (NDManager manager = DjlRuntime.engine().newBaseManager()) {
            assertThat(FusedLoss.of(LossType.SOFTMAX_CROSS_ENTROPY, new Shape(8, 5, 3), manager)).isNull();
            try (FusedLoss twoD = FusedLoss.of(LossType.SOFTMAX_CROSS_ENTROPY, new Shape(8, 3), manager)) {
                assertThat(twoD).isNotNull();
            }
        }
    }

    @Test
    void theEpochsAccuracyCountsEveryBatchWhetherTheLossCountedItOrDjlsEvaluatorDid() {
        try (NDManager manager = DjlRuntime.engine().newBaseManager()) {
            GuardedStep.EpochTotals totals = new GuardedStep.EpochTotals(true);
            totals.add(0.5f, 3, 4); // counted by the fused loss: 3 of 4
            NDArray predictions = manager.create(new float[] {0.9f, 0.1f, 0.2f, 0.8f, 0.6f, 0.4f}, new Shape(3, 2));
            NDArray labels = manager.create(new float[] {0, 0, 0}); // right, wrong, right
            totals.add(1.5f, new NDList(labels), new NDList(predictions));

            assertThat(totals.accuracy()).isCloseTo(5.0 / 7, within(1e-12));
            assertThat(totals.loss()).isCloseTo(1.0, within(1e-12));
            totals.reset();
            assertThat(totals.accuracy()).isNaN();
            assertThat(new GuardedStep.EpochTotals(false).accuracy()).isNull();
        }
    }
}
