package dev.trainingplatform.trainer;

import dev.trainingplatform.contract.AvroCodec;
import dev.trainingplatform.contract.ContractLimits;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.contract.UndecodableRecordException;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Consumes training.jobs. Values arrive as raw bytes and are decoded here rather than by a Kafka
 * deserializer: a record that is not a TrainingJob is nacked with the reason, and the channel's
 * dead-letter-queue strategy forwards its original bytes to training.jobs.dlq, while the channel
 * keeps consuming. A decodable job is acknowledged only once it reached a terminal status.
 */
@ApplicationScoped
public class JobConsumer {

    private static final AvroCodec<TrainingJob> JOBS = AvroCodec.of(TrainingJob.class);
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(JobConsumer.class);

    @Inject
    JobRunner runner;

    @Inject
    JobDeadLetters deadLetters;

    @Inject
    @io.smallrye.common.annotation.Identifier("trainer-jobs-partitions")
    JobPartitions partitions;

    @Incoming("jobs")
    @Blocking // on a worker thread, one message at a time (ordered)
    public CompletionStage<Void> onJob(Message<byte[]> message) {
        var record = message.getMetadata(IncomingKafkaRecordMetadata.class).orElse(null);
        byte[] value = message.getPayload();
        if (record != null && value != null && value.length > ContractLimits.MAX_JOB_RECORD_BYTES) {
            // Checked before decoding, and never copied: see JobDeadLetters.
            String reason = "a record of " + value.length + " bytes on training.jobs, more than the "
                    + ContractLimits.MAX_JOB_RECORD_BYTES + " bytes a TrainingJob may take; not decoded";
            deadLetters.byReference(record, value.length, reason);
            runner.refuse(record.getKey() == null ? null : record.getKey().toString(), ErrorCode.LIMIT_EXCEEDED,
                    reason + " (its key is taken as the job id; the record is on training.jobs.dlq by reference)");
            return message.ack();
        }
        TrainingJob job;
        try {
            job = JOBS.decode(value);
        } catch (UndecodableRecordException e) {
            if (record != null && record.getKey() != null) {
                // The client waiting on this key learns why at once, instead of waiting for its timeout.
                runner.refuse(record.getKey().toString(), ErrorCode.INVALID_JOB, "the record under this key on "
                        + "training.jobs could not be read as a TrainingJob, so no job was run: " + e.getMessage()
                        + ". The record is on training.jobs.dlq unchanged.");
            }
            return message.nack(e);
        }
        if (record != null && job.getJobId() != null && job.getJobId().length() > ContractLimits.MAX_ECHOED_JOB_ID_CHARS) {
            // A status keyed by it would be too large to publish: no status, the reason on the DLQ.
            deadLetters.byReference(record, value.length, "jobId of " + job.getJobId().length()
                    + " characters; a job id is 1 to " + ContractLimits.MAX_JOB_ID_CHARS + " characters");
            return message.ack();
        }
        java.util.function.BooleanSupplier owned = record == null ? () -> true
                : () -> partitions.owns(record.getTopic(), record.getPartition());
        if (!owned.getAsBoolean()) {
            // Fetched before a rebalance moved its partition: the job is the new owner's now.
            LOG.infof("job %s: its partition moved to another trainer before it started; left to it", job.getJobId());
            return message.ack();
        }
        try {
            runner.run(job, owned);
        } catch (RuntimeException | Error e) {
            // JobRunner turns a job's own failures into a FAILED status; what still escapes is the
            // platform failing (e.g. the broker refusing the status). Keep the record, with the reason.
            LOG.errorf(e, "job %s could not be handled; sending its record to the dead-letter topic", job.getJobId());
            return message.nack(e);
        }
        return message.ack();
    }
}
