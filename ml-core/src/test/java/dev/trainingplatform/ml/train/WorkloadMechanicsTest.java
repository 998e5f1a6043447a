package dev.trainingplatform.ml.train;

import dev.trainingplatform.ml.train.admission.TrainingPlan;
import dev.trainingplatform.ml.train.admission.JobLimits;
import static org.assertj.core.api.Assertions.assertThat;

import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.LossType;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.contract.OptimizerSpec;
import dev.trainingplatform.contract.OptimizerType;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.ml.data.DataSources;
import dev.trainingplatform.ml.data.DatasetCatalog;
import dev.trainingplatform.ml.data.LoadedDataset;
import dev.trainingplatform.ml.testdata.FordAFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Short runs of the presets on small data: the mechanics, not the published figures. */
class WorkloadMechanicsTest {

    @TempDir
    Path dir;

    private LoadedDataset load(DatasetSpec spec) {
        return new DatasetCatalog(new DataSources(Map.of(), List.of(dir), dir.resolve("cache"), false)).load(spec);
    }

    private static List<Training.EpochResult> train(TrainingJob job, LoadedDataset data) {
        List<Training.EpochResult> epochs = new ArrayList<>();
        Training.run(TrainingPlan.of(job, data, JobLimits.defaults()), (r, p) -> epochs.add(r));
        return epochs;
    }

    @Test
    void fordaCnnLearnsToSeparateGeneratedSeries() throws Exception {
        Path files = FordAFiles.write(dir.resolve("forda"), 200, 60, 100);
        LoadedDataset data = load(DatasetSpec.newBuilder().setName("forda").setLocation(files.toString()).build());
        TrainingJob job = TrainingJob.newBuilder().setJobId("forda")
                .setModel(ModelSpec.newBuilder().setPreset("forda-cnn").build())
                .setDataset(DatasetSpec.newBuilder().setName("forda").build())
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(5e-3).build())
                .setBatchSize(32).setDropLastBatch(true).setEpochs(4).setTestEveryEpoch(true).build();
        List<Training.EpochResult> epochs = train(job, data);
        assertThat(epochs.get(3).trainLoss()).isLessThan(epochs.get(0).trainLoss());
        assertThat(epochs.get(3).testAccuracy()).isGreaterThan(0.8);
        assertThat(epochs.get(0).trainSamples()).isEqualTo(192); // 6 full batches of 32, remainder dropped
    }

    @Test
    void cifarCnnTrainsWithAugmentationOnGeneratedImages() throws Exception {
        Path files = dev.trainingplatform.ml.testdata.Cifar10Files.writeBinary(dir.resolve("cifar"), 60, 50);
        LoadedDataset data = load(DatasetSpec.newBuilder().setName("cifar10").setLocation(files.toString())
                .setOptions(Map.of("validationSize", "30")).build());
        assertThat(data.train().size()).isEqualTo(270);
        TrainingJob job = TrainingJob.newBuilder().setJobId("cifar")
                .setModel(ModelSpec.newBuilder().setPreset("cifar10-cnn").build())
                .setDataset(DatasetSpec.newBuilder().setName("cifar10").build())
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(1e-3).build())
                .setBatchSize(32).setDropLastBatch(true).setEpochs(4).setTestEveryEpoch(true).build();
        List<Training.EpochResult> epochs = train(job, data);
        assertThat(epochs.get(3).trainLoss()).isLessThan(epochs.get(0).trainLoss());
        assertThat(epochs.get(3).testAccuracy()).isGreaterThan(0.3);
    }

    @Test
    void imdbTransformerLearnsGeneratedSentiment() throws Exception {
        Path files = dev.trainingplatform.ml.testdata.ImdbFiles.write(dir.resolve("imdb"), 100);
        LoadedDataset data = load(DatasetSpec.newBuilder().setName("imdb").setLocation(files.toString()).build());
        TrainingJob job = TrainingJob.newBuilder().setJobId("imdb")
                .setModel(ModelSpec.newBuilder().setPreset("imdb-transformer").build())
                .setDataset(DatasetSpec.newBuilder().setName("imdb").build())
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(1e-3).build())
                .setBatchSize(32).setEpochs(10).setTestEveryEpoch(true).build();
        List<Training.EpochResult> epochs = train(job, data);
        assertThat(epochs.get(9).trainLoss()).isLessThan(epochs.get(0).trainLoss());
        assertThat(epochs.get(9).testAccuracy()).isGreaterThan(0.8);
    }

    @Test
    void aDataVocabularyLargerThanTheEmbeddingIsRejected() throws Exception {
        Path files = dev.trainingplatform.ml.testdata.ImdbFiles.write(dir.resolve("imdb"), 5);
        LoadedDataset data = load(DatasetSpec.newBuilder().setName("imdb").setLocation(files.toString()).build());
        TrainingJob job = TrainingJob.newBuilder().setJobId("imdb-small")
                .setModel(ModelSpec.newBuilder().setLayers(List.of(
                        dev.trainingplatform.ml.model.Presets.layer("tokenAndPositionEmbedding", "vocabularySize", 5L,
                                "maxLength", 200L, "dim", 8L),
                        dev.trainingplatform.ml.model.Presets.layer("globalPool"),
                        dev.trainingplatform.ml.model.Presets.layer("dense", "units", 2L))).build())
                .setDataset(DatasetSpec.newBuilder().setName("imdb").build())
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(1e-3).build())
                .setBatchSize(8).setEpochs(1).build();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TrainingPlan.of(job, data, JobLimits.defaults()))
                .hasMessageContaining("vocabularySize 5");
    }

    @Test
    void regressionMlpFitsTheCurveWithEachOptimizer() {
        LoadedDataset data = load(DatasetSpec.newBuilder().setName("synthetic-regression").build());
        assertThat(data.train().size()).isEqualTo(400);
        assertThat(data.train().labels()).isNotEqualTo(data.test().labels());
        for (OptimizerType optimizer : OptimizerType.values()) {
            TrainingJob job = TrainingJob.newBuilder().setJobId("regression-" + optimizer)
                    .setModel(ModelSpec.newBuilder().setPreset("regression-mlp").build())
                    .setDataset(DatasetSpec.newBuilder().setName("synthetic-regression").build())
                    .setOptimizer(OptimizerSpec.newBuilder().setType(optimizer).setLearningRate(1e-2).build())
                    .setLoss(LossType.MSE).setBatchSize(400).setEpochs(150).setTestEveryEpoch(true).build();
            List<Training.EpochResult> epochs = train(job, data);
            Training.EpochResult first = epochs.get(0);
            Training.EpochResult last = epochs.get(epochs.size() - 1);
            assertThat(last.trainLoss()).as(optimizer + " train MSE").isLessThan(first.trainLoss() / 2);
            assertThat(last.testLoss()).as(optimizer + " validation MSE").isLessThan(first.testLoss());
            assertThat(last.trainAccuracy()).isNull();
        }
    }
}
