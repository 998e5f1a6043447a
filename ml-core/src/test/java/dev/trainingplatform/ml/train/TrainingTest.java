package dev.trainingplatform.ml.train;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.contract.OptimizerSpec;
import dev.trainingplatform.contract.OptimizerType;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.checkpoint.ModelParameters;
import dev.trainingplatform.ml.data.DataSources;
import dev.trainingplatform.ml.data.DatasetCatalog;
import dev.trainingplatform.ml.data.LoadedDataset;
import dev.trainingplatform.ml.eval.TestSetEvaluation;
import dev.trainingplatform.ml.model.ModelFactory;
import dev.trainingplatform.ml.testdata.FashionMnistFiles;
import dev.trainingplatform.ml.train.admission.JobLimits;
import dev.trainingplatform.ml.train.admission.JobValidator;
import dev.trainingplatform.ml.train.admission.TrainingPlan;
import dev.trainingplatform.ml.train.step.GuardedStep;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainingTest {

    @TempDir
    Path dir;

    static TrainingJob.Builder job(String location) {
        return TrainingJob.newBuilder()
                .setJobId("t-1")
                .setModel(ModelSpec.newBuilder().setPreset("fashion-mnist-mlp").build())
                .setDataset(DatasetSpec.newBuilder().setName("fashion-mnist").setLocation(location).build())
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(1e-3).build())
                .setBatchSize(32)
                .setEpochs(4)
                .setTestEveryEpoch(true);
    }

    private LoadedDataset data() throws Exception {
        Path files = FashionMnistFiles.write(dir.resolve("fm"), 400, 100, true);
        return new DatasetCatalog(new DataSources(Map.of(), List.of(dir), dir.resolve("cache"), false))
                .load(DatasetSpec.newBuilder().setName("fashion-mnist").setLocation(files.toString()).build());
    }

    @Test
    void lossFallsAccuracyRisesAndNoNDArrayOutlivesItsEpoch() throws Exception {
        TrainingJob job = job(null).build();
        TrainingPlan plan = TrainingPlan.of(job, data(), JobLimits.defaults());
        List<Training.EpochResult> epochs = new ArrayList<>();
        List<Integer> liveArrays = new ArrayList<>();
        Training.Outcome outcome = Training.run(plan, (result, snapshot) -> {
            epochs.add(result);
            liveArrays.add(snapshot.liveArrays());
        });

        assertThat(outcome).isEqualTo(Training.Outcome.COMPLETED);
        assertThat(epochs).extracting(Training.EpochResult::epoch).containsExactly(1, 2, 3, 4);
        assertThat(epochs.get(3).trainLoss()).isLessThan(epochs.get(0).trainLoss());
        assertThat(epochs.get(3).trainAccuracy()).isGreaterThan(0.9);
        assertThat(epochs.get(3).testAccuracy()).isGreaterThan(0.9);
        assertThat(epochs.get(3).trainSamples()).isEqualTo(400);
        assertThat(liveArrays.get(0)).isPositive();
        assertThat(liveArrays).containsOnly(liveArrays.get(0));
    }

    @Test
    void sameSeedGivesTheSameParametersAndTheEvaluatorSeesWhatTheTrainerSaw() throws Exception {
        LoadedDataset data = data();
        TrainingJob job = job(null).setEpochs(2).build();
        byte[][] params = new byte[2][];
        double[] lastTestLoss = new double[1];
        for (int run = 0; run < 2; run++) {
            int r = run;
            Training.run(TrainingPlan.of(job, data, JobLimits.defaults()), (result, p) -> {
                if (result.epoch() == 2) {
                    params[r] = p.parameters();
                    lastTestLoss[0] = result.testLoss();
                }
            });
        }
        assertThat(params[0]).isEqualTo(params[1]);

        // Rebuild from the layer list and load the bytes, as the evaluator does.
        ModelSpec spec = TrainingPlan.of(job, data, JobLimits.defaults()).model();
        ModelFactory.BuiltModel rebuilt = ModelFactory.build(spec.getLayers(), data.test().sampleShape());
        try (Model model = Model.newInstance("eval")) {
            model.setBlock(rebuilt.block());
            NDManager manager = model.getNDManager();
            rebuilt.block().initialize(manager, DataType.FLOAT32, new Shape(1, 28, 28));
            ModelParameters.load(rebuilt.block(), params[0], manager);
            TestSetEvaluation.Outcome outcome = TestSetEvaluation.run(rebuilt.block(),
                    dev.trainingplatform.ml.eval.Losses.of(job.getLoss()), data.test(), 64, 10, manager);
            assertThat(outcome.meanLoss()).isCloseTo(lastTestLoss[0], org.assertj.core.data.Offset.offset(1e-4));
            long total = 0;
            for (long[] row : outcome.confusion()) {
                for (long v : row) {
                    total += v;
                }
            }
            assertThat(total).isEqualTo(data.test().size());
        }
    }

    @Test
    void stopRequestEndsTrainingWithinABatch() throws Exception {
        int[] batchesSeen = {0};
        Training.Outcome outcome = Training.run(TrainingPlan.of(job(null).build(), data(), JobLimits.defaults()),
                new Training.Observer() {
                    @Override
                    public void epochFinished(Training.EpochResult result, Training.Snapshot p) {
                        throw new AssertionError("no epoch should finish");
                    }

                    @Override
                    public boolean stopRequested() {
                        return ++batchesSeen[0] >= 2;
                    }
                });
        assertThat(outcome).isEqualTo(Training.Outcome.STOPPED);
        assertThat(batchesSeen[0]).isEqualTo(2);
    }

    @Test
    void nonFiniteLossEndsTheJobAsDiverged() throws Exception {
        // Inputs scaled to near the float range: the first forward pass overflows to inf and NaN.
        TrainingJob job = job(null).setModel(ModelSpec.newBuilder().setLayers(List.of(
                        dev.trainingplatform.ml.model.Presets.layer("rescale", "scale", 1e36),
                        dev.trainingplatform.ml.model.Presets.layer("flatten"),
                        dev.trainingplatform.ml.model.Presets.layer("dense", "units", 64L),
                        dev.trainingplatform.ml.model.Presets.layer("relu"),
                        dev.trainingplatform.ml.model.Presets.layer("dense", "units", 10L))).build())
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.SGD).setLearningRate(10).build())
                .setEpochs(3).build();
        LoadedDataset data = data();
        assertThatThrownBy(() -> Training.run(TrainingPlan.of(job, data, JobLimits.defaults()), (r, p) -> {}))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DIVERGED))
                .hasMessageContaining("diverged");
    }

    @Test
    void aBatchWithANonFiniteLossIsSkippedAndCountedWhileTrainingGoesOn() throws Exception {
        LoadedDataset clean = data();
        float[] features = clean.train().features().clone();
        features[5 * 784 + 100] = Float.NaN; // one pixel of sample 5: its batch's loss is NaN
        LoadedDataset poisoned = new LoadedDataset(clean.name(),
                new dev.trainingplatform.ml.data.Split(features, clean.train().sampleShape(), clean.train().labels()),
                clean.test(), clean.classNames());
        List<Training.EpochResult> epochs = new ArrayList<>();
        List<byte[]> parameters = new ArrayList<>();
        Training.run(TrainingPlan.of(job(null).setEpochs(3).build(), poisoned, JobLimits.defaults()), (r, p) -> {
            epochs.add(r);
            parameters.add(p.parameters());
        });
        assertThat(epochs).extracting(Training.EpochResult::skippedSteps).containsExactly(1, 1, 1);
        assertThat(epochs).allSatisfy(e -> assertThat(e.trainLoss()).isFinite());
        assertThat(epochs.get(2).trainLoss()).isLessThan(epochs.get(0).trainLoss());
        assertThat(epochs.get(2).testAccuracy()).isGreaterThan(0.5);
    }

    @Test
    void clearingGradientsOverwritesNaN() throws Exception {
        LoadedDataset data = data();
        TrainingPlan plan = TrainingPlan.of(job(null).build(), data, JobLimits.defaults());
        try (Model model = Model.newInstance("clear")) {
            model.setBlock(plan.built().block());
            try (ai.djl.training.Trainer trainer = model.newTrainer(new ai.djl.training.DefaultTrainingConfig(
                    dev.trainingplatform.ml.eval.Losses.of(plan.job().getLoss())))) {
                trainer.initialize(new Shape(2, 28, 28));
                // A real backward pass through a NaN input leaves NaN in the first layer's gradient.
                try (NDManager batch = trainer.getManager().newSubManager();
                     ai.djl.training.GradientCollector collector = trainer.newGradientCollector()) {
                    ai.djl.ndarray.NDArray x = batch.full(new Shape(2, 28, 28), Float.NaN);
                    collector.backward(trainer.forward(new ai.djl.ndarray.NDList(x)).head().sum());
                }
                ai.djl.ndarray.NDArray weight = model.getBlock().getParameters().valueAt(0).getArray();
                assertThat(GuardedStep.gradientsFinite(trainer)).isFalse();
                GuardedStep.clearGradients(trainer);
                assertThat(GuardedStep.gradientsFinite(trainer)).isTrue();
                try (ai.djl.ndarray.NDArray grad = weight.getGradient()) {
                    assertThat(grad.abs().sum().getFloat()).isZero();
                }
            }
        }
    }

    @Test
    void wrongNumberOfOutputsIsRejectedBeforeTraining() throws Exception {
        TrainingJob job = job(null).setModel(ModelSpec.newBuilder().setLayers(List.of(
                dev.trainingplatform.ml.model.Presets.layer("flatten"),
                dev.trainingplatform.ml.model.Presets.layer("dense", "units", 3L))).build()).build();
        LoadedDataset data = data();
        assertThatThrownBy(() -> TrainingPlan.of(job, data, JobLimits.defaults()))
                .hasMessageContaining("has 10 classes");
    }

    @Test
    void parameterLimitIsEnforced() throws Exception {
        LoadedDataset data = data();
        JobLimits d = JobLimits.defaults();
        assertThatThrownBy(() -> TrainingPlan.of(job(null).build(), data,
                new JobLimits(10, 100, 1000, d.maxCheckpointBytes(), d.maxDatasetBytes())))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LIMIT_EXCEEDED));
    }

    @Test
    void checkpointSizeLimitIsEnforced() throws Exception {
        LoadedDataset data = data();
        JobLimits d = JobLimits.defaults();
        // 101 770 parameters: 397.5 KiB of float32
        assertThatThrownBy(() -> TrainingPlan.of(job(null).build(), data,
                new JobLimits(10, 100, d.maxParameters(), 300_000, d.maxDatasetBytes())))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LIMIT_EXCEEDED))
                .hasMessageContaining("checkpoints would take 0.4 MiB");
        assertThat(TrainingPlan.of(job(null).build(), data,
                new JobLimits(10, 100, d.maxParameters(), 500_000, d.maxDatasetBytes()))).isNotNull();
    }

    @Test
    void datasetSizeLimitIsEnforced() throws Exception {
        LoadedDataset data = data(); // 500 images of 784 floats: 1.5 MiB
        JobLimits d = JobLimits.defaults();
        assertThatThrownBy(() -> TrainingPlan.of(job(null).build(), data,
                new JobLimits(10, 100, d.maxParameters(), d.maxCheckpointBytes(), 1_000_000)))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LIMIT_EXCEEDED))
                .hasMessageContaining("takes 1.5 MiB in memory").hasMessageContaining("maxTrainSamples");
    }

    @Test
    void hyperparametersAreValidated() {
        JobLimits limits = JobLimits.defaults();
        assertThatThrownBy(() -> JobValidator.validate(job(null).setBatchSize(0).build(), limits)).hasMessageContaining("batchSize must be positive");
        assertThatThrownBy(() -> JobValidator.validate(job(null).setEpochs(-1).build(), limits)).hasMessageContaining("epochs must be positive");
        assertThatThrownBy(() -> JobValidator.validate(job(null).setEpochs(1_000_000).build(), limits)).hasMessageContaining("limit");
        assertThatThrownBy(() -> JobValidator.validate(job(null).setOptimizer(OptimizerSpec.newBuilder()
                .setType(OptimizerType.ADAM).setLearningRate(Double.NaN).build()).build(), limits)).hasMessageContaining("learningRate");
        assertThatThrownBy(() -> JobValidator.validate(job(null).setOptimizer(OptimizerSpec.newBuilder()
                .setType(OptimizerType.ADAM).setLearningRate(-1).build()).build(), limits)).hasMessageContaining("learningRate");
        JobValidator.validate(job(null).build(), limits);
    }

    @Test
    void whatOfTheModelNeedsNoDataIsRefusedBeforeTheDataIsRead() {
        // validate() takes no data set: a job refused here costs milliseconds, not a data load.
        JobLimits limits = JobLimits.defaults();
        assertThatThrownBy(() -> JobValidator.validate(job(null).setModel(ModelSpec.newBuilder().setPreset("resnet-9000")
                .build()).build(), limits))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_PRESET));
        assertThatThrownBy(() -> JobValidator.validate(job(null).setModel(ModelSpec.newBuilder().setLayers(List.of(
                dev.trainingplatform.ml.model.Presets.layer("flatten"), dev.trainingplatform.ml.model.Presets.layer("densse")))
                .build()).build(), limits))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_LAYER))
                .hasMessageContaining("layer 1 (densse)");
        assertThatThrownBy(() -> JobValidator.validate(job(null).setModel(ModelSpec.newBuilder().setLayers(
                java.util.Collections.nCopies(257, dev.trainingplatform.ml.model.Presets.layer("relu"))).build()).build(), limits))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LIMIT_EXCEEDED))
                .hasMessageContaining("257 layers");
    }
}
