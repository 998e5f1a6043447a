package dev.trainingplatform.trainer;

import dev.trainingplatform.contract.ContractLimits;
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

    public void publish(String jobId, int attempt, JobState state, int epochsCompleted) {
        send(status(jobId, attempt, state, epochsCompleted).build());
    }

    /** SUCCEEDED, saying why it ended before its last epoch where early stopping ended it (null otherwise). */
    public void succeeded(String jobId, int attempt, int epochsCompleted, String message) {
        send(status(jobId, attempt, JobState.SUCCEEDED, epochsCompleted).setMessage(message).build());
    }

    public void running(String jobId, int attempt, int epochsCompleted, String message) {
        send(status(jobId, attempt, JobState.RUNNING, epochsCompleted).setMessage(message).build());
    }

    public void failed(String jobId, int attempt, ErrorCode code, String message, int epochsCompleted) {
        send(status(jobId, attempt, JobState.FAILED, epochsCompleted).setErrorCode(code).setMessage(message).build());
    }

    public void cancelled(String jobId, int attempt, String message, int epochsCompleted) {
        send(status(jobId, attempt, JobState.CANCELLED, epochsCompleted).setMessage(message).build());
    }

    private JobStatus.Builder status(String jobId, int attempt, JobState state, int epochsCompleted) {
        return JobStatus.newBuilder().setJobId(jobId).setAttempt(attempt).setState(state)
                .setEpochsCompleted(epochsCompleted).setInstance(instance.id()).setTimestamp(Instant.now());
    }

    private void send(JobStatus s) {
        // User text (a job's argument names, a data file's name) can be echoed in the message; a status
        // over the topic's 1 MB would be refused and stop the trainer, so the message is clipped.
        s.setMessage(ContractLimits.clip(s.getMessage()));
        LOG.infof("job %s %s%s", s.getJobId(), s.getState(), s.getMessage() == null ? "" : ": " + (s.getErrorCode() == null ? "" : s.getErrorCode() + " ") + s.getMessage());
        status.sendMessageAndAwait(KafkaRecord.of(s.getJobId(), s));
    }
}
