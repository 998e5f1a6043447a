package dev.trainingplatform.trainer;

import dev.trainingplatform.contract.AvroCodec;
import dev.trainingplatform.contract.CancelRequest;
import dev.trainingplatform.contract.ContractLimits;
import dev.trainingplatform.contract.UndecodableRecordException;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Consumes training.cancellations. Every trainer instance reads the whole (compacted) topic in a
 * consumer group of its own, so each one knows every cancel request, including those sent before
 * it started or before any trainer took the job.
 */
@ApplicationScoped
public class CancellationConsumer {

    private static final Logger LOG = Logger.getLogger(CancellationConsumer.class);
    private static final AvroCodec<CancelRequest> CANCELS = AvroCodec.of(CancelRequest.class);

    @Inject
    Cancellations cancellations;

    @Inject
    TrainerMetrics metrics;

    @Incoming("cancellations")
    public CompletionStage<Void> onCancel(Message<byte[]> message) {
        String key = message.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(m -> (String) m.getKey()).orElse(null);
        try {
            CancelRequest request = CANCELS.decode(message.getPayload());
            if (request.getJobId() == null || request.getJobId().length() > ContractLimits.MAX_JOB_ID_CHARS) {
                // No job can have that id; keeping it would only let a flood of them fill the heap.
                LOG.warnf("ignoring a cancel request for a job id of %d characters (at most %d)",
                        request.getJobId() == null ? 0 : request.getJobId().length(), ContractLimits.MAX_JOB_ID_CHARS);
                return message.ack();
            }
            cancellations.requested(request.getJobId());
            metrics.cancelRequestRead();
            LOG.infof("job %s: cancel requested%s", request.getJobId(),
                    request.getReason() == null ? "" : " (" + ContractLimits.clip(request.getReason(), 200) + ")");
        } catch (UndecodableRecordException e) {
            // Nothing to dead-letter: a cancel that cannot be read cancels nothing. Say so and go on.
            LOG.warnf("ignoring an undecodable record on training.cancellations (key %s): %s",
                    ContractLimits.clip(key, 200), e.getMessage());
        }
        return message.ack();
    }
}
