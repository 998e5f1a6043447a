package dev.trainingplatform.ml.train;

import dev.trainingplatform.ml.train.admission.TrainingPlan;
import dev.trainingplatform.ml.train.admission.JobLimits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pytorch.jni.JniUtils;
import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.LossType;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.contract.OptimizerSpec;
import dev.trainingplatform.contract.OptimizerType;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.ml.data.LoadedDataset;
import dev.trainingplatform.ml.data.Split;
import dev.trainingplatform.ml.model.ModelFactory;
import dev.trainingplatform.ml.model.Presets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IntraOpThreadsTest {

    /** A preset's model, initialized for a batch as the trainer initializes it. */
    private static long multiplyAdds(String preset, Shape sample, int batch) {
        ModelSpec spec = Presets.resolve(ModelSpec.newBuilder().setPreset(preset).build());
        Block block = ModelFactory.build(spec.getLayers(), sample).block();
        try (NDManager manager = NDManager.newBaseManager()) {
            block.initialize(manager, DataType.FLOAT32, new Shape(batch).addAll(sample));
            return IntraOpThreads.multiplyAdds(block);
        }
    }

    @Test
    void countsEveryDenseProductOfTheBatch() {
        // 32 samples x (784 x 128 + 128 x 10)
        assertThat(multiplyAdds("fashion-mnist-mlp", new Shape(28, 28), 32)).isEqualTo(3_252_224L);
        // 400 x (1x10 + 10x10 + 10x10 + 10x1)
        assertThat(multiplyAdds("regression-mlp", new Shape(1), 400)).isEqualTo(88_000L);
    }

    @Test
    void countsEveryOutputPositionOfAConvolution() {
        // 128 samples x 64 filters x 500 positions x fan-in (1 x 3, then 64 x 3 twice), + dense 64 x 2
        long conv = 128L * 64 * 500;
        assertThat(multiplyAdds("forda-cnn", new Shape(1, 500), 128))
                .isEqualTo(conv * 3 + 2 * conv * 192 + 128L * 64 * 2);
    }

    @Test
    void smallBatchesGetOneThreadLargeOnesAllThatAreAvailable() {
        assertThat(IntraOpThreads.choose(multiplyAdds("fashion-mnist-mlp", new Shape(28, 28), 32), 8)).isEqualTo(1);
        assertThat(IntraOpThreads.choose(multiplyAdds("regression-mlp", new Shape(1), 400), 8)).isEqualTo(1);
        assertThat(IntraOpThreads.choose(multiplyAdds("forda-cnn", new Shape(1, 500), 128), 8)).isEqualTo(8);
        assertThat(IntraOpThreads.choose(multiplyAdds("cifar10-cnn", new Shape(3, 32, 32), 128), 8)).isEqualTo(8);
        assertThat(IntraOpThreads.choose(multiplyAdds("imdb-transformer", new Shape(200), 128), 8)).isEqualTo(8);
    }

    private static void train(String preset, Shape sample, int classes, int samples, int batch) {
        Random random = new Random(7);
        float[] features = new float[samples * (int) sample.size()];
        for (int i = 0; i < features.length; i++) {
            features[i] = (float) random.nextGaussian();
        }
        float[] labels = new float[samples];
        for (int i = 0; i < samples; i++) {
            labels[i] = i % classes;
        }
        Split split = new Split(features, sample, labels);
        TrainingJob job = TrainingJob.newBuilder()
                .setJobId("threads-" + preset)
                .setModel(ModelSpec.newBuilder().setPreset(preset).build())
                .setDataset(DatasetSpec.newBuilder().setName("generated").build())
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(1e-3).build())
                .setLoss(LossType.SOFTMAX_CROSS_ENTROPY)
                .setBatchSize(batch)
                .setEpochs(1)
                .build();
        LoadedDataset data = new LoadedDataset("generated", split, split.head(batch), java.util.stream.IntStream.range(0, classes).mapToObj(c -> "class-" + c).toList());
        Training.run(TrainingPlan.of(job, data, JobLimits.defaults()), (result, snapshot) -> {});
    }

    @Test
    void theTrainingThreadRunsASmallJobOnOneThreadAndALargeOneOnAll() {
        int available = IntraOpThreads.available();
        assumeTrue(available > 1, "one intra-op thread is all this machine has");

        train("fashion-mnist-mlp", new Shape(28, 28), 10, 64, 32);
        assertThat(JniUtils.getNumThreads()).isEqualTo(1);

        train("forda-cnn", new Shape(1, 500), 2, 128, 128);
        assertThat(JniUtils.getNumThreads()).isEqualTo(available);
    }

    @Test
    void aSystemPropertyOverridesTheChoice() {
        int available = IntraOpThreads.available();
        assumeTrue(available > 1, "one intra-op thread is all this machine has");
        System.setProperty(IntraOpThreads.OVERRIDE, String.valueOf(available));
        try {
            train("fashion-mnist-mlp", new Shape(28, 28), 10, 64, 32);
            assertThat(JniUtils.getNumThreads()).isEqualTo(available);
        } finally {
            System.clearProperty(IntraOpThreads.OVERRIDE);
        }
    }
}
