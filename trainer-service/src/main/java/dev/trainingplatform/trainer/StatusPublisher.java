package dev.trainingplatform.trainer;

import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.jboss.logging.Logger;

/** Publishes job state changes on training.status, keyed by job id, and waits for the broker's ack. */
@ApplicationScoped
public class StatusPublisher {

    private static final Logger LOG = Logger.getLogger(StatusPublisher.class);

    @Inject
    @Channel("status")
    MutinyEmitter<JobStatus> status;

    @Inject
    TrainerInstance instance;

    public void publish(String jobId, JobState state, int epochsCompleted) {
        send(JobStatus.newBuilder().setJobId(jobId).setState(state).setEpochsCompleted(epochsCompleted)
                .setInstance(instance.id()).setTimestamp(Instant.now()).build());
    }

    public void failed(String jobId, ErrorCode code, String message, int epochsCompleted) {
        send(JobStatus.newBuilder().setJobId(jobId).setState(JobState.FAILED).setErrorCode(code).setMessage(message)
                .setEpochsCompleted(epochsCompleted).setInstance(instance.id()).setTimestamp(Instant.now()).build());
    }

    public void cancelled(String jobId, String message, int epochsCompleted) {
        send(JobStatus.newBuilder().setJobId(jobId).setState(JobState.CANCELLED).setMessage(message)
                .setEpochsCompleted(epochsCompleted).setInstance(instance.id()).setTimestamp(Instant.now()).build());
    }

    private void send(JobStatus s) {
        LOG.infof("job %s %s%s", s.getJobId(), s.getState(), s.getMessage() == null ? "" : ": " + (s.getErrorCode() == null ? "" : s.getErrorCode() + " ") + s.getMessage());
        status.sendMessageAndAwait(KafkaRecord.of(s.getJobId(), s));
    }
}
