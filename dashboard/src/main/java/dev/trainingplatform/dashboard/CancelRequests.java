package dev.trainingplatform.dashboard;

import dev.trainingplatform.contract.CancelRequest;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import org.eclipse.microprofile.reactive.messaging.Channel;

/** The job page's cancel button: a cancel request on training.cancellations, as platform-cli cancel sends. */
@ApplicationScoped
public class CancelRequests {

    @Inject
    @Channel("cancellations")
    MutinyEmitter<CancelRequest> cancellations;

    void send(String jobId) {
        cancellations.sendMessageAndAwait(KafkaRecord.of(jobId, CancelRequest.newBuilder().setJobId(jobId)
                .setReason("cancelled from the dashboard").setRequestedAt(Instant.now()).build()));
    }
}
