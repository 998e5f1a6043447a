package dev.trainingplatform.ml.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import dev.trainingplatform.contract.LossType;
import dev.trainingplatform.ml.data.Split;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TestSetEvaluationTest {

    private static final int FEATURES = 64;

    private static Split split(int samples, int classes) {
        SplittableRandom random = new SplittableRandom(7);
        float[] x = new float[samples * FEATURES];
        float[] y = new float[samples];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < samples; i++) {
            y[i] = classes > 0 ? random.nextInt(classes) : (float) random.nextGaussian();
        }
        return new Split(x, new Shape(FEATURES), y);
    }

    private static Block linear(int outputs, NDManager manager) {
        Block block = new SequentialBlock().add(Linear.builder().setUnits(outputs).build());
        block.initialize(manager, DataType.FLOAT32, new Shape(1, FEATURES));
        return block;
    }

    /** The split in one forward pass, computed here without the evaluation's batching. */
    private static NDArray wholeSplitOutput(Block block, Split split, NDManager manager) {
        NDArray x = manager.create(split.features(), new Shape(split.size(), FEATURES));
        return block.forward(new ParameterStore(manager, false), new NDList(x), false).singletonOrThrow();
    }

    @Test
    void batchesWithAShortLastOneGiveWhatTheWholeSplitAtOnceGives() {
        Split split = split(103, 5);
        Loss loss = dev.trainingplatform.ml.eval.Losses.of(LossType.SOFTMAX_CROSS_ENTROPY);
        try (Model model = Model.newInstance("eval-test"); NDManager here = model.getNDManager().newSubManager()) {
            Block block = linear(5, model.getNDManager());
            TestSetEvaluation.Outcome outcome = new TestSetEvaluation(split, 10, 5).run(block, loss, model.getNDManager());

            NDArray out = wholeSplitOutput(block, split, here);
            float[] predicted = out.argMax(1).toType(DataType.FLOAT32, false).toFloatArray();
            float expectedLoss = loss.evaluate(new NDList(here.create(split.labels())), new NDList(out)).getFloat();
            long[][] confusion = new long[5][5];
            for (int i = 0; i < split.size(); i++) {
                confusion[(int) split.labels()[i]][(int) predicted[i]]++;
            }
            assertThat(outcome.samples()).isEqualTo(103);
            assertThat(outcome.predictions()).containsExactly(predicted);
            assertThat(outcome.confusion()).isDeepEqualTo(confusion);
            assertThat(outcome.meanLoss()).isCloseTo(expectedLoss, within(1e-5));
        }
    }

    @Test
    void regressionPredictionsAreTheModelsOutputsInSampleOrder() {
        Split split = split(37, 0);
        Loss loss = dev.trainingplatform.ml.eval.Losses.of(LossType.MSE);
        try (Model model = Model.newInstance("eval-test"); NDManager here = model.getNDManager().newSubManager()) {
            Block block = linear(1, model.getNDManager());
            TestSetEvaluation.Outcome outcome = new TestSetEvaluation(split, 8, 0).run(block, loss, model.getNDManager());

            NDArray out = wholeSplitOutput(block, split, here);
            float[] expected = out.reshape(split.size()).toFloatArray();
            assertThat(outcome.confusion()).isNull();
            assertThat(outcome.predictions()).containsExactly(expected, within(1e-6f));
            float expectedLoss = loss.evaluate(new NDList(here.create(split.labels()).reshape(out.getShape())),
                    new NDList(out)).getFloat();
            assertThat(outcome.meanLoss()).isCloseTo(expectedLoss, within(1e-5));
        }
    }

    /**
     * The trainer evaluates the test set every epoch with one evaluation; direct memory it allocated
     * per run would wait for a garbage collection that a training loop making little Java garbage
     * does not bring on.
     */
    @Test
    void repeatedRunsAllocateNoNewDirectMemory() {
        Split split = split(2_000, 10);
        long splitBytes = (long) split.features().length * Float.BYTES;
        Loss loss = dev.trainingplatform.ml.eval.Losses.of(LossType.SOFTMAX_CROSS_ENTROPY);
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).findFirst().orElseThrow();
        try (Model model = Model.newInstance("eval-test")) {
            Block block = linear(10, model.getNDManager());
            TestSetEvaluation evaluation = new TestSetEvaluation(split, 100, 10);
            double firstLoss = evaluation.run(block, loss, model.getNDManager()).meanLoss();
            long before = direct.getTotalCapacity();
            for (int run = 0; run < 10; run++) {
                assertThat(evaluation.run(block, loss, model.getNDManager()).meanLoss()).isEqualTo(firstLoss);
            }
            assertThat(direct.getTotalCapacity() - before).isLessThan(splitBytes);
        }
    }
}
