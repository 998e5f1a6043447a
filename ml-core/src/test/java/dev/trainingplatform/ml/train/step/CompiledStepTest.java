package dev.trainingplatform.ml.train.step;

import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.util.Pair;
import dev.trainingplatform.contract.Layer;
import dev.trainingplatform.contract.LossType;
import dev.trainingplatform.contract.OptimizerSpec;
import dev.trainingplatform.contract.OptimizerType;
import dev.trainingplatform.ml.DjlRuntime;
import dev.trainingplatform.ml.model.ModelFactory;
import dev.trainingplatform.ml.model.Presets;
import dev.trainingplatform.ml.train.optimizer.Optimizers;
import dev.trainingplatform.ml.train.optimizer.ResumableOptimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The whole step in one engine call against the step of DJL operations it stands for: the same
 * models, from the same initial parameters, on the same batches, must end with the same parameters,
 * losses and counts of right predictions.
 */
class CompiledStepTest {

    /** A run's figures: per step the loss and right predictions (-1 where skipped), and the parameters at the end. */
    private record Run(boolean compiled, List<Float> losses, List<Long> correct, List<float[]> parameters) {}

    /** Batches of (features, labels) as plain arrays, the same for both runs. */
    private record Batch(float[] features, float[] labels) {}

    private static List<Batch> batches(int count, int batchSize, int features, Function<float[], Float> label, long seed,
                                       float scale) {
        Random random = new Random(seed);
        List<Batch> batches = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            float[] x = new float[batchSize * features];
            float[] y = new float[batchSize];
            for (int i = 0; i < batchSize; i++) {
                float[] row = new float[features];
                for (int f = 0; f < features; f++) {
                    row[f] = (float) random.nextGaussian() * scale;
                }
                System.arraycopy(row, 0, x, i * features, features);
                y[i] = label.apply(row);
            }
            batches.add(new Batch(x, y));
        }
        return batches;
    }

    private static Run train(List<Layer> layers, Shape sampleShape, LossType lossType, OptimizerSpec optimizerSpec,
                             List<Batch> batches, boolean compiled) {
        return train(layers, sampleShape, lossType, optimizerSpec, batches, compiled, null);
    }

    /** @param learningRates the rate set before each step (a schedule's changes between epochs), or null */
    private static Run train(List<Layer> layers, Shape sampleShape, LossType lossType, OptimizerSpec optimizerSpec,
                             List<Batch> batches, boolean compiled, float[] learningRates) {
        String previous = System.setProperty(CompiledStep.SWITCH, String.valueOf(compiled));
        try {
            ModelFactory.BuiltModel built = ModelFactory.build(layers, sampleShape);
            int batchSize = batches.get(0).labels().length;
            Shape batchShape = new Shape(batchSize).addAll(sampleShape);
            ResumableOptimizer optimizer = Optimizers.of(optimizerSpec);
            DjlRuntime.engine().setRandomSeed(11);
            try (Model model = Model.newInstance("compiled-" + compiled);
                 NDManager data = NDManager.newBaseManager()) {
                model.setBlock(built.block());
                try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(dev.trainingplatform.ml.eval.Losses.of(lossType))
                        .optOptimizer(optimizer))) {
                    trainer.initialize(batchShape);
                    Shape output = model.getBlock().getOutputShapes(new Shape[] {batchShape})[0];
                    List<Float> losses = new ArrayList<>();
                    List<Long> correct = new ArrayList<>();
                    try (GuardedStep step = new GuardedStep(trainer, optimizer, lossType, output, layers)) {
                        for (int n = 0; n < batches.size(); n++) {
                            Batch b = batches.get(n);
                            if (learningRates != null) {
                                optimizer.setLearningRate(learningRates[n]);
                            }
                            GuardedStep.EpochTotals totals = new GuardedStep.EpochTotals(lossType != LossType.MSE);
                            boolean applied = step.run(new NDList(data.create(b.features(), batchShape)),
                                    new NDList(data.create(b.labels())), totals);
                            losses.add(applied ? (float) totals.loss() : Float.NaN);
                            correct.add(!applied ? -1L : totals.accuracy() == null ? 0L
                                    : Math.round(totals.accuracy() * batchSize));
                        }
                        List<float[]> parameters = new ArrayList<>();
                        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
                            parameters.add(p.getValue().getArray().toFloatArray());
                        }
                        return new Run(step.compiled(), losses, correct, parameters);
                    }
                }
            }
        } finally {
            if (previous == null) {
                System.clearProperty(CompiledStep.SWITCH);
            } else {
                System.setProperty(CompiledStep.SWITCH, previous);
            }
        }
    }

    private static void assertSameTraining(Run compiled, Run operations, float tolerance) {
        assertThat(compiled.compiled()).as("the compiled run took the compiled step").isTrue();
        assertThat(operations.compiled()).as("the other run took DJL's operations").isFalse();
        assertThat(compiled.correct()).isEqualTo(operations.correct());
        assertThat(compiled.losses()).hasSameSizeAs(operations.losses());
        for (int i = 0; i < compiled.losses().size(); i++) {
            assertThat(compiled.losses().get(i)).as("loss of step %d", i).isCloseTo(operations.losses().get(i), within(tolerance));
        }
        assertThat(compiled.parameters()).hasSameSizeAs(operations.parameters());
        for (int p = 0; p < compiled.parameters().size(); p++) {
            float[] a = compiled.parameters().get(p);
            float[] b = operations.parameters().get(p);
            assertThat(a).hasSameSizeAs(b);
            for (int i = 0; i < a.length; i++) {
                assertThat(a[i]).as("parameter %d element %d", p, i).isCloseTo(b[i], within(tolerance));
            }
        }
    }

    private static OptimizerSpec adam(double learningRate, double weightDecay) {
        return OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(learningRate)
                .setWeightDecay(weightDecay).build();
    }

    @Test
    void aLearningRateChangedBetweenStepsIsTheOneTheCompiledStepUses() {
        List<Layer> layers = List.of(Presets.layer("dense", "units", 16L), Presets.layer("relu"),
                Presets.layer("dense", "units", 3L));
        List<Batch> batches = batches(12, 16, 8, x -> (float) (x[0] > 0 ? (x[1] > 0 ? 0 : 1) : 2), 5, 1f);
        float[] rates = new float[12];
        for (int i = 0; i < rates.length; i++) {
            rates[i] = i < 4 ? 1e-2f : i < 8 ? 1e-3f : 5e-2f;
        }
        OptimizerSpec spec = adam(1e-2, 0);
        Run compiled = train(layers, new Shape(8), LossType.SOFTMAX_CROSS_ENTROPY, spec, batches, true, rates);
        Run operations = train(layers, new Shape(8), LossType.SOFTMAX_CROSS_ENTROPY, spec, batches, false, rates);
        assertSameTraining(compiled, operations, 1e-5f);
        // The change took effect: a step's loss is measured before its update, so at the constant rate
        // the losses are the same up to the fifth step (its update the first at the new rate) and differ after.
        Run constant = train(layers, new Shape(8), LossType.SOFTMAX_CROSS_ENTROPY, spec, batches, true, null);
        assertThat(constant.losses().subList(0, 5)).isEqualTo(compiled.losses().subList(0, 5));
        assertThat(constant.losses().get(5)).isNotEqualTo(compiled.losses().get(5));
    }

    @Test
    void aClassifierTrainsAsDjlsOperationsTrainIt() {
        // Fashion-MNIST's preset on 6x6 "images": rescale (without an offset), flatten, dense, relu, dense.
        List<Layer> layers = List.of(
                Presets.layer("rescale", "scale", 0.5),
                Presets.layer("flatten"),
                Presets.layer("dense", "units", 12L),
                Presets.layer("relu"),
                Presets.layer("dense", "units", 4L, "bias", false));
        List<Batch> batches = batches(30, 8, 36, row -> (float) ((row[0] > 0 ? 1 : 0) + (row[1] > 0 ? 2 : 0)), 3, 1f);
        Run compiled = train(layers, new Shape(1, 6, 6), LossType.SOFTMAX_CROSS_ENTROPY, adam(0.01, 0.01), batches, true);
        Run operations = train(layers, new Shape(1, 6, 6), LossType.SOFTMAX_CROSS_ENTROPY, adam(0.01, 0.01), batches, false);
        assertSameTraining(compiled, operations, 1e-5f);
        // and it learned: the last steps' losses are below the first's
        assertThat(compiled.losses().get(29)).isLessThan(compiled.losses().get(0));
    }

    @Test
    void gradientsPassBackThroughEveryLayerBetweenDenseLayers() {
        // Every layer without parameters between two dense layers, so that each one's backward
        // statement is used (before the first dense layer none is needed). With weight decay: Adam's
        // update is otherwise blind to a gradient off by a constant factor (a rescale's).
        List<Layer> layers = List.of(
                Presets.layer("flatten"),
                Presets.layer("dense", "units", 4L),
                Presets.layer("tanh"),
                Presets.layer("flatten", "order", "channelsLast"),
                Presets.layer("rescale", "scale", 0.5, "offset", 0.25),
                Presets.layer("dense", "units", 6L),
                Presets.layer("gelu"),
                Presets.layer("flatten"),
                Presets.layer("sigmoid"),
                Presets.layer("relu"),
                Presets.layer("dense", "units", 3L, "bias", false));
        List<Batch> batches = batches(15, 6, 6, row -> row[4] > 0.5f ? 2f : row[1] > 0 ? 1f : 0f, 9, 1f);
        Run compiled = train(layers, new Shape(2, 3), LossType.SOFTMAX_CROSS_ENTROPY, adam(0.02, 0.05), batches, true);
        Run operations = train(layers, new Shape(2, 3), LossType.SOFTMAX_CROSS_ENTROPY, adam(0.02, 0.05), batches, false);
        assertSameTraining(compiled, operations, 1e-5f);
    }

    @Test
    void aChannelsLastFlattenIsCompiledInTheSameOrder() {
        // Two-channel 3x3 "images" flattened with the channels varying fastest: were the compiled step
        // to flatten in the other order, the dense layer's weights would learn in permuted places.
        List<Layer> layers = List.of(
                Presets.layer("flatten", "order", "channelsLast"),
                Presets.layer("dense", "units", 8L),
                Presets.layer("relu"),
                Presets.layer("dense", "units", 3L));
        List<Batch> batches = batches(20, 8, 18, row -> (float) ((row[0] > 0 ? 1 : 0) + (row[9] > 0 ? 1 : 0)), 7, 1f);
        Run compiled = train(layers, new Shape(2, 3, 3), LossType.SOFTMAX_CROSS_ENTROPY, adam(0.01, 0), batches, true);
        Run operations = train(layers, new Shape(2, 3, 3), LossType.SOFTMAX_CROSS_ENTROPY, adam(0.01, 0), batches, false);
        assertSameTraining(compiled, operations, 1e-5f);
    }

    @Test
    void aRegressorTrainsAsDjlsOperationsTrainIt() {
        // The regression preset: 1 -> 10 -> 10 -> 10 -> 1, tanh, biases 1.
        List<Layer> layers = Presets.resolve(dev.trainingplatform.contract.ModelSpec.newBuilder()
                .setPreset("regression-mlp").build()).getLayers();
        List<Batch> batches = batches(40, 16, 1, row -> (float) Math.sin(row[0]), 5, 1.5f);
        Run compiled = train(layers, new Shape(1), LossType.MSE, adam(0.01, 0), batches, true);
        Run operations = train(layers, new Shape(1), LossType.MSE, adam(0.01, 0), batches, false);
        assertSameTraining(compiled, operations, 1e-5f);
        assertThat(compiled.losses().get(39)).isLessThan(compiled.losses().get(0));
    }

    @Test
    void everyLayerWithAScriptedFormComputesWhatItsBlockComputes() {
        List<Layer> layers = List.of(
                Presets.layer("rescale", "scale", 2.0, "offset", -0.5),
                Presets.layer("flatten"),
                Presets.layer("dense", "units", 8L),
                Presets.layer("gelu"),
                Presets.layer("dense", "units", 8L, "init", "lecunNormal"),
                Presets.layer("sigmoid"),
                Presets.layer("dense", "units", 8L, "biasInit", 0.5),
                Presets.layer("tanh"),
                Presets.layer("dense", "units", 8L),
                Presets.layer("relu"),
                Presets.layer("dense", "units", 3L, "bias", false));
        List<Batch> batches = batches(12, 5, 6, row -> row[2] > 0.5f ? 2f : row[2] > 0 ? 1f : 0f, 4, 1f);
        Run compiled = train(layers, new Shape(2, 3), LossType.SOFTMAX_CROSS_ENTROPY, adam(0.02, 0), batches, true);
        Run operations = train(layers, new Shape(2, 3), LossType.SOFTMAX_CROSS_ENTROPY, adam(0.02, 0), batches, false);
        assertSameTraining(compiled, operations, 1e-5f);
    }

    @Test
    void aBatchWithANonFiniteValueIsSkippedWithoutTouchingTheParameters() {
        List<Layer> layers = List.of(Presets.layer("dense", "units", 3L), Presets.layer("tanh"), Presets.layer("dense", "units", 2L));
        List<Batch> batches = batches(6, 4, 5, row -> row[0] > 0 ? 1f : 0f, 9, 1f);
        batches.get(2).features()[7] = Float.NaN;
        batches.get(4).features()[0] = Float.POSITIVE_INFINITY;
        Run compiled = train(layers, new Shape(5), LossType.SOFTMAX_CROSS_ENTROPY, adam(0.05, 0), batches, true);
        Run operations = train(layers, new Shape(5), LossType.SOFTMAX_CROSS_ENTROPY, adam(0.05, 0), batches, false);
        assertThat(compiled.correct().get(2)).isEqualTo(-1L);
        assertThat(compiled.correct().get(4)).isEqualTo(-1L);
        assertThat(compiled.correct()).filteredOn(c -> c >= 0).hasSize(4);
        // Skipped steps change nothing, so the parameters after the run are those of the four good steps.
        assertSameTraining(compiled, operations, 1e-5f);
    }

    @Test
    void modelsWithALayerWithoutAScriptedFormAndOtherOptimizersStepByDjlsOperations() {
        List<Batch> batches = batches(2, 4, 5, row -> 0f, 1, 1f);
        List<Layer> withDropout = List.of(Presets.layer("dense", "units", 3L), Presets.layer("dropout", "rate", 0.1),
                Presets.layer("dense", "units", 2L));
        assertThat(train(withDropout, new Shape(5), LossType.SOFTMAX_CROSS_ENTROPY, adam(0.01, 0), batches, true).compiled())
                .isFalse();
        List<Layer> mlp = List.of(Presets.layer("dense", "units", 3L), Presets.layer("dense", "units", 2L));
        OptimizerSpec sgd = OptimizerSpec.newBuilder().setType(OptimizerType.SGD).setLearningRate(0.1).build();
        assertThat(train(mlp, new Shape(5), LossType.SOFTMAX_CROSS_ENTROPY, sgd, batches, true).compiled()).isFalse();
        assertThat(train(mlp, new Shape(5), LossType.SOFTMAX_CROSS_ENTROPY, adam(0.01, 0), batches, true).compiled()).isTrue();
    }
}
