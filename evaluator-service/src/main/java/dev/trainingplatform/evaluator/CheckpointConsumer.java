package dev.trainingplatform.evaluator;

import dev.trainingplatform.contract.AvroCodec;
import dev.trainingplatform.contract.Checkpoint;
import dev.trainingplatform.contract.ContractLimits;
import dev.trainingplatform.contract.UndecodableRecordException;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Consumes training.checkpoints. As in the trainer, bytes are decoded here so that a record that is
 * not a Checkpoint goes, intact and with its reason, to training.checkpoints.dlq. The record is
 * acknowledged after its result is on the broker, so a crash mid-evaluation means re-evaluation.
 */
@ApplicationScoped
public class CheckpointConsumer {

    private static final AvroCodec<Checkpoint> CHECKPOINTS = AvroCodec.of(Checkpoint.class);

    @Inject
    CheckpointEvaluator evaluator;

    @Inject
    EvaluationPublisher publisher;

    @Inject
    EvaluatorMetrics metrics;

    @Incoming("checkpoints")
    @Blocking // on a worker thread, one checkpoint at a time (ordered)
    public CompletionStage<Void> onCheckpoint(Message<byte[]> message) {
        Checkpoint checkpoint;
        try {
            checkpoint = CHECKPOINTS.decode(message.getPayload());
        } catch (UndecodableRecordException e) {
            return message.nack(e);
        }
        if (checkpoint.getJobId().length() > ContractLimits.MAX_JOB_ID_CHARS) {
            // No trainer publishes such a checkpoint, and a result keyed by it might not fit its topic.
            return message.nack(new UndecodableRecordException("jobId of " + checkpoint.getJobId().length()
                    + " characters; a job id is 1 to " + ContractLimits.MAX_JOB_ID_CHARS + " characters"));
        }
        try {
            var result = evaluator.evaluate(checkpoint);
            publisher.publish(result);
            metrics.evaluated(result);
        } catch (RuntimeException | Error e) {
            // The result could not be published (the broker refused it): keep the record, with the reason.
            return message.nack(e);
        }
        return message.ack();
    }
}
