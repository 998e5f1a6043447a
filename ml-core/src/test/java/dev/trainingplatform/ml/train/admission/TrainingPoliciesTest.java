package dev.trainingplatform.ml.train.admission;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trainingplatform.contract.BestCheckpoint;
import dev.trainingplatform.contract.CheckpointPolicy;
import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.EarlyStopping;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.LearningRateSchedule;
import dev.trainingplatform.contract.LossType;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.contract.OptimizerSpec;
import dev.trainingplatform.contract.OptimizerType;
import dev.trainingplatform.contract.ScheduleType;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.contract.ValidationSplit;
import dev.trainingplatform.ml.JobRejectedException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Early stopping, the best checkpoint and the schedule are refused with the field named, before any data. */
class TrainingPoliciesTest {

    private static TrainingJob.Builder job() {
        return TrainingJob.newBuilder().setJobId("p").setModel(ModelSpec.newBuilder().setPreset("fashion-mnist-mlp").build())
                .setDataset(DatasetSpec.newBuilder().setName("fashion-mnist").build())
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(1e-3).build())
                .setBatchSize(32).setEpochs(10).setValidation(new ValidationSplit(0.1, 0, 42L));
    }

    private static void refused(TrainingJob job, String message) {
        assertThatThrownBy(() -> JobValidator.validate(job, JobLimits.defaults()))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> org.assertj.core.api.Assertions.assertThat(e.code())
                        .isEqualTo(ErrorCode.INVALID_HYPERPARAMETER))
                .hasMessageContaining(message);
    }

    @Test
    void aJobWithAllThreeIsAccepted() {
        assertThatCode(() -> JobValidator.validate(job()
                .setEarlyStopping(new EarlyStopping("validationLoss", null, 2, 0.001))
                .setCheckpoint(new CheckpointPolicy(0, new BestCheckpoint("validationAccuracy", null)))
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(1e-3)
                        .setSchedule(LearningRateSchedule.newBuilder().setType(ScheduleType.COSINE).setWarmupEpochs(2)
                                .setMinLearningRate(1e-5).build()).build())
                .build(), JobLimits.defaults())).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "validationLos | 1 | 0 | earlyStopping.metric must be one of [validationLoss, validationAccuracy], got 'validationLos'",
            "testAccuracy | 1 | 0 | the test split only measures the final model",
            "validationLoss | 0 | 0 | earlyStopping.patience must be at least 1, got 0",
            "validationLoss | 2 | -1 | earlyStopping.minDelta must be a finite number of at least 0, got -1.0"})
    void badEarlyStoppingNamesTheField(String metric, int patience, double minDelta, String message) {
        refused(job().setEarlyStopping(new EarlyStopping(metric, null, patience, minDelta)).build(), message);
    }

    @Test
    void trackingAValidationMetricNeedsAValidationSplitAndAccuracyAClassifier() {
        refused(job().setValidation(null).setEarlyStopping(new EarlyStopping("validationLoss", null, 2, 0.0)).build(),
                "earlyStopping.metric is measured on a validation split, and the job has none");
        refused(job().setValidation(null).setCheckpoint(new CheckpointPolicy(0, new BestCheckpoint("validationLoss", null)))
                .build(), "checkpoint.keepBest.metric is measured on a validation split");
        refused(job().setLoss(LossType.MSE).setCheckpoint(new CheckpointPolicy(0,
                new BestCheckpoint("validationAccuracy", null))).build(), "a regression job has no accuracy");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "STEP | 0 | 0.1 | 0 | 0 | optimizer.schedule.stepEpochs must be at least 1, got 0",
            "STEP | 1 | 0 | 0 | 0 | optimizer.schedule.gamma must be in (0, 1], got 0.0",
            "STEP | 1 | 1.5 | 0 | 0 | optimizer.schedule.gamma must be in (0, 1], got 1.5",
            "COSINE | 1 | 0.1 | 10 | 0 | optimizer.schedule.warmupEpochs must be from 0 to epochs - 1 (9), got 10",
            "COSINE | 1 | 0.1 | 0 | 0.01 | optimizer.schedule.minLearningRate must be from 0 to optimizer.learningRate"})
    void badSchedulesNameTheField(String type, int stepEpochs, double gamma, int warmup, double min, String message) {
        refused(job().setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(1e-3)
                .setSchedule(new LearningRateSchedule(ScheduleType.valueOf(type), stepEpochs, gamma, warmup, min)).build())
                .build(), message);
    }
}
