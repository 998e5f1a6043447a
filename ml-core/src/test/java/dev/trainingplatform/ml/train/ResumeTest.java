package dev.trainingplatform.ml.train;

import dev.trainingplatform.ml.train.admission.TrainingPlan;
import dev.trainingplatform.ml.train.admission.JobLimits;
import dev.trainingplatform.ml.checkpoint.TrainingState;
import static dev.trainingplatform.ml.model.Presets.layer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.contract.OptimizerSpec;
import dev.trainingplatform.contract.OptimizerType;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.data.DataSources;
import dev.trainingplatform.ml.data.DatasetCatalog;
import dev.trainingplatform.ml.data.LoadedDataset;
import dev.trainingplatform.ml.testdata.FashionMnistFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job resumed from the state after an epoch computes exactly what the uninterrupted run computed:
 * same per-epoch metrics, bit-identical final parameters. The model has dropout (random stream) and
 * the batches are shuffled (data order), so all three kinds of state are exercised.
 */
class ResumeTest {

    @TempDir
    Path dir;

    LoadedDataset data;

    @BeforeEach
    void generateData() throws Exception {
        Path files = FashionMnistFiles.write(dir.resolve("fm"), 300, 60, true);
        data = new DatasetCatalog(new DataSources(Map.of(), List.of(dir), dir.resolve("cache"), false))
                .load(DatasetSpec.newBuilder().setName("fashion-mnist").setLocation(files.toString()).build());
    }

    private static TrainingJob job(OptimizerSpec optimizer) {
        return TrainingJob.newBuilder()
                .setJobId("resume-1")
                .setModel(ModelSpec.newBuilder().setLayers(List.of(
                        layer("flatten"),
                        layer("dense", "units", 32L),
                        layer("relu"),
                        layer("dropout", "rate", 0.3),
                        layer("dense", "units", 10L))).build())
                .setDataset(DatasetSpec.newBuilder().setName("fashion-mnist").build())
                .setOptimizer(optimizer)
                .setBatchSize(32)
                .setEpochs(5)
                .setSeed(7)
                .setTestEveryEpoch(true)
                .build();
    }

    private static OptimizerSpec adam() {
        return OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(3e-3).build();
    }

    /** One run: the results per epoch, and the states and parameters after each. */
    private record Run(List<Training.EpochResult> epochs, Map<Integer, TrainingState> states, byte[] finalParameters) {}

    private Run train(TrainingJob job, TrainingState from) {
        List<Training.EpochResult> epochs = new ArrayList<>();
        Map<Integer, TrainingState> states = new HashMap<>();
        byte[][] last = new byte[1][];
        Training.run(TrainingPlan.of(job, data, JobLimits.defaults()), (result, snapshot) -> {
            epochs.add(result);
            // Through bytes, as a resumed trainer reads it.
            states.put(result.epoch(), TrainingState.fromBytes(snapshot.state().toBytes()));
            last[0] = snapshot.parameters();
        }, from);
        return new Run(epochs, states, last[0]);
    }

    private static void assertSameEpochs(List<Training.EpochResult> resumed, List<Training.EpochResult> whole) {
        assertThat(resumed).hasSameSizeAs(whole);
        for (int i = 0; i < resumed.size(); i++) {
            Training.EpochResult r = resumed.get(i);
            Training.EpochResult w = whole.get(i);
            assertThat(r.epoch()).isEqualTo(w.epoch());
            assertThat(r.trainLoss()).isEqualTo(w.trainLoss());
            assertThat(r.trainAccuracy()).isEqualTo(w.trainAccuracy());
            assertThat(r.testLoss()).isEqualTo(w.testLoss());
            assertThat(r.testAccuracy()).isEqualTo(w.testAccuracy());
            assertThat(r.validationLoss()).isEqualTo(w.validationLoss());
            assertThat(r.validationAccuracy()).isEqualTo(w.validationAccuracy());
        }
    }

    private static TrainingJob withValidation(TrainingJob job) {
        return TrainingJob.newBuilder(job).setValidation(new dev.trainingplatform.contract.ValidationSplit(0.2, 0, 11L))
                .build();
    }

    @Test
    void aScheduleSetsEachEpochsRateAndAJobResumedMidWayEndsBitIdentical() {
        OptimizerSpec cosine = OptimizerSpec.newBuilder(adam()).setSchedule(
                dev.trainingplatform.contract.LearningRateSchedule.newBuilder()
                        .setType(dev.trainingplatform.contract.ScheduleType.COSINE).setWarmupEpochs(1)
                        .setMinLearningRate(3e-4).build()).build();
        TrainingJob job = job(cosine);
        Run whole = train(job, null);
        for (Training.EpochResult e : whole.epochs()) {
            assertThat(e.learningRate()).as("epoch " + e.epoch())
                    .isEqualTo(dev.trainingplatform.ml.train.optimizer.LearningRateSchedules.of(cosine, e.epoch(), 5));
        }
        assertThat(whole.epochs()).extracting(Training.EpochResult::learningRate).doesNotHaveDuplicates();
        // The rate is used: the same job at a constant rate trains otherwise from its first epoch.
        assertThat(train(job(adam()), null).epochs().get(0).trainLoss()).isNotEqualTo(whole.epochs().get(0).trainLoss());
        Run resumed = train(job, whole.states().get(2));
        assertSameEpochs(resumed.epochs(), whole.epochs().subList(2, 5));
        assertThat(resumed.epochs()).extracting(Training.EpochResult::learningRate)
                .containsExactlyElementsOf(whole.epochs().subList(2, 5).stream().map(Training.EpochResult::learningRate).toList());
        assertThat(resumed.finalParameters()).isEqualTo(whole.finalParameters());
    }

    @Test
    void earlyStoppingEndsTheJobWithItsReasonAndAResumedJobStopsAtTheSameEpoch() {
        // Nothing improves on the first epoch by more than 1e9: the patience of 2 runs out after epoch 3.
        TrainingJob job = TrainingJob.newBuilder(withValidation(job(adam())))
                .setEarlyStopping(new dev.trainingplatform.contract.EarlyStopping("validationLoss", null, 2, 1e9)).build();
        Run whole = train(job, null);
        assertThat(whole.epochs()).hasSize(3);
        Training.EpochResult last = whole.epochs().get(2);
        assertThat(last.last()).isTrue();
        assertThat(last.stopReason()).startsWith("stopped early after epoch 3: validation loss did not improve for 2 epochs, best ")
                .endsWith(" at epoch 1");
        assertThat(whole.epochs().subList(0, 2)).allSatisfy(e -> assertThat(e.stopReason()).isNull());
        // Resumed after epoch 2, it remembers that epoch 1 was the best: it stops after epoch 3 too.
        Run resumed = train(job, whole.states().get(2));
        assertThat(resumed.epochs()).hasSize(1);
        assertThat(resumed.epochs().get(0).stopReason()).isEqualTo(last.stopReason());
        assertThat(resumed.finalParameters()).isEqualTo(whole.finalParameters());
    }

    @Test
    void keepBestMarksTheEpochsThatImproveTheMetricAndAResumedJobKeepsTheBestSoFar() {
        TrainingJob job = TrainingJob.newBuilder(withValidation(job(adam())))
                .setCheckpoint(new dev.trainingplatform.contract.CheckpointPolicy(0,
                        new dev.trainingplatform.contract.BestCheckpoint("validationAccuracy", null))).build();
        Run whole = train(job, null);
        double best = Double.NEGATIVE_INFINITY;
        for (Training.EpochResult e : whole.epochs()) {
            assertThat(e.best()).as("epoch " + e.epoch() + " at " + e.validationAccuracy() + ", best so far " + best)
                    .isEqualTo(e.validationAccuracy() > best);
            best = Math.max(best, e.validationAccuracy());
        }
        assertThat(whole.epochs().get(0).best()).isTrue();
        Run resumed = train(job, whole.states().get(2));
        assertThat(resumed.epochs()).extracting(Training.EpochResult::best)
                .containsExactlyElementsOf(whole.epochs().subList(2, 5).stream().map(Training.EpochResult::best).toList());
        // A state written before the trackers existed (version 1) still resumes, knowing no best so far.
        TrainingState v2 = whole.states().get(2);
        TrainingState stripped = new TrainingState(v2.epoch(), v2.parameters(), v2.optimizerState());
        assertThat(train(job, stripped).epochs().get(0).best()).isTrue();
    }

    @Test
    void aJobWithAValidationSplitReportsItEveryEpochAndResumesOnTheSameSplit() {
        TrainingJob job = TrainingJob.newBuilder(job(adam()))
                .setValidation(new dev.trainingplatform.contract.ValidationSplit(0.2, 0, 11L)).build();
        Run whole = train(job, null);
        assertThat(whole.epochs()).allSatisfy(e -> {
            assertThat(e.validationLoss()).isNotNull().isFinite();
            assertThat(e.validationAccuracy()).isBetween(0.0, 1.0);
            assertThat(e.learningRate()).isEqualTo(3e-3);
        });
        // Trained on the other 80 %: fewer samples per epoch than without the split.
        assertThat(whole.epochs().get(0).trainSamples()).isEqualTo(Math.round(train(job(adam()), null).epochs().get(0)
                .trainSamples() * 0.8));
        Run resumed = train(job, whole.states().get(2));
        assertSameEpochs(resumed.epochs(), whole.epochs().subList(2, 5));
        assertThat(resumed.finalParameters()).isEqualTo(whole.finalParameters());
    }

    @Test
    void adamJobResumedAfterEpochTwoEndsBitIdenticalToTheUninterruptedRun() {
        TrainingJob job = job(adam());
        Run whole = train(job, null);

        Run resumed = train(job, whole.states().get(2));

        assertThat(resumed.epochs()).extracting(Training.EpochResult::epoch).containsExactly(3, 4, 5);
        assertSameEpochs(resumed.epochs(), whole.epochs().subList(2, 5));
        assertThat(resumed.finalParameters()).isEqualTo(whole.finalParameters());
    }

    @Test
    void sgdWithMomentumResumesExactlyToo() {
        TrainingJob job = job(OptimizerSpec.newBuilder().setType(OptimizerType.SGD).setLearningRate(0.05)
                .setMomentum(0.9).build());
        Run whole = train(job, null);

        Run resumed = train(job, whole.states().get(3));

        assertSameEpochs(resumed.epochs(), whole.epochs().subList(3, 5));
        assertThat(resumed.finalParameters()).isEqualTo(whole.finalParameters());
    }

    @Test
    void adamsMomentsAndStepCountsMatter() {
        // The parameters after epoch 2 with the optimizer state of epoch 1: not the same run. This is
        // what resuming from the parameters alone would be, and why the state is saved.
        TrainingJob job = job(adam());
        Run whole = train(job, null);
        TrainingState mismatched = new TrainingState(2, whole.states().get(2).parameters(),
                whole.states().get(1).optimizerState());

        Run resumed = train(job, mismatched);

        assertThat(resumed.finalParameters()).isNotEqualTo(whole.finalParameters());
    }

    @Test
    void aStateOfAnotherModelIsRefusedWithAClearError() {
        Run other = train(job(adam()), null);
        TrainingJob wider = TrainingJob.newBuilder(job(adam())).setModel(ModelSpec.newBuilder().setLayers(List.of(
                layer("flatten"), layer("dense", "units", 64L), layer("relu"), layer("dense", "units", 10L))).build()).build();

        assertThatThrownBy(() -> train(wider, other.states().get(2)))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CHECKPOINT_INVALID));
    }

    @Test
    void aStateAfterTheLastEpochOrCorruptBytesAreRefused() {
        Run run = train(job(adam()), null);
        assertThatThrownBy(() -> train(job(adam()), run.states().get(5)))
                .isInstanceOf(JobRejectedException.class).hasMessageContaining("after epoch 5 of a job of 5 epochs");

        byte[] bytes = run.states().get(2).toBytes();
        assertThatThrownBy(() -> TrainingState.fromBytes(java.util.Arrays.copyOf(bytes, bytes.length - 10)))
                .isInstanceOf(JobRejectedException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> TrainingState.fromBytes("not a state at all".getBytes()))
                .isInstanceOf(JobRejectedException.class).hasMessageContaining("not a training state");
    }
}
