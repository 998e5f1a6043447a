package dev.trainingplatform.trainer;

import dev.trainingplatform.contract.Checkpoint;
import dev.trainingplatform.ml.checkpoint.BlobStore;
import dev.trainingplatform.ml.checkpoint.Sha256;
import dev.trainingplatform.ml.train.Training;
import dev.trainingplatform.ml.train.admission.TrainingPlan;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * Publishes checkpoints on training.checkpoints. Parameters travel inline up to a size limit, and
 * as a file in the shared checkpoint directory beyond it; the SHA-256 covers them either way.
 */
@ApplicationScoped
public class CheckpointPublisher {

    @Inject
    @Channel("checkpoints")
    MutinyEmitter<Checkpoint> checkpoints;

    @Inject
    TrainerConfig config;

    /** The checkpoint after {@code result}'s epoch: final after the job's last epoch, best where it improved. */
    /** @param held checked once more just before the record is sent (see MetricsPublisher); null: not sent */
    public Checkpoint publish(TrainingPlan plan, int attempt, Training.EpochResult result, byte[] parameters,
                              java.util.function.BooleanSupplier held) {
        int epoch = result.epoch();
        String jobId = plan.job().getJobId();
        String checkpointId = jobId + (attempt > 1 ? "/attempt-" + attempt : "") + "/epoch-" + epoch;
        String sha = Sha256.of(parameters);
        Checkpoint.Builder c = Checkpoint.newBuilder()
                .setJobId(jobId)
                .setCheckpointId(checkpointId)
                .setAttempt(attempt)
                .setEpoch(epoch)
                .setTotalEpochs(plan.job().getEpochs())
                .setFinalCheckpoint(result.last())
                .setBest(result.best())
                .setBestMetric(result.best() ? bestMetric(plan, result) : null)
                .setModel(plan.model())
                .setDataset(plan.job().getDataset())
                .setLoss(plan.job().getLoss())
                .setEvaluationBatchSize(plan.job().getEvaluationBatchSize())
                .setSeed(plan.job().getSeed())
                .setParameterCount(plan.built().parameterCount())
                .setParametersSha256(sha)
                .setTimestamp(Instant.now())
                // What an export of this checkpoint needs without the data set (platform-cli export).
                .setInputShape(Arrays.stream(plan.built().inputShape().getShape()).boxed().toList())
                .setClassNames(List.copyOf(plan.data().classNames()));
        if (parameters.length <= config.checkpoint().inlineMaxBytes()) {
            c.setParameters(ByteBuffer.wrap(parameters));
        } else {
            c.setParametersUri(files().write(parameters).toUri().toString());
        }
        Checkpoint checkpoint = c.build();
        if (!held.getAsBoolean()) {
            return null;
        }
        checkpoints.sendMessageAndAwait(KafkaRecord.of(jobId, checkpoint));
        return checkpoint;
    }

    /** The value of the job's checkpoint.keepBest metric in this epoch. */
    private static Double bestMetric(TrainingPlan plan, Training.EpochResult result) {
        return plan.job().getCheckpoint().getKeepBest().getMetric().equals("validationAccuracy")
                ? result.validationAccuracy() : result.validationLoss();
    }

    /** Parameter files, named by their digest, in the directory the evaluators read. */
    private BlobStore files() {
        return new BlobStore("checkpoint directory", Path.of(config.checkpoint().directory()), ".params", List.of());
    }
}
