package dev.trainingplatform.trainer;

import dev.trainingplatform.contract.AvroCodec;
import dev.trainingplatform.contract.ContractLimits;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.contract.UndecodableRecordException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * One record taken from a job queue, from its bytes to how it is acknowledged. Values arrive as raw
 * bytes and are decoded here rather than by a Kafka deserializer, so a record that is not a
 * TrainingJob reaches training.jobs.dlq unchanged with the reason, and is rejected (never delivered
 * again), while the queue goes on.
 */
@ApplicationScoped
public class JobIntake {

    private static final AvroCodec<TrainingJob> JOBS = AvroCodec.of(TrainingJob.class);
    private static final Logger LOG = Logger.getLogger(JobIntake.class);

    @Inject
    JobRunner runner;

    @Inject
    JobDeadLetters deadLetters;

    @Inject
    SweepCompletion sweeps;

    /**
     * @param delivery the record's delivery count in the share group (1 the first time)
     * @param held     false once the job must stop: the trainer is stopping or lost the record's lock
     * @return ACCEPT once the job ended (or was over already), REJECT for a record that is no job,
     *         RELEASE for a job to be run on by another trainer from its resume point
     */
    public AcknowledgeType handle(ConsumerRecord<String, byte[]> record, int delivery, BooleanSupplier held) {
        byte[] value = record.value();
        if (value != null && value.length > ContractLimits.MAX_JOB_RECORD_BYTES) {
            // Checked before decoding, and never copied: see JobDeadLetters.
            String reason = "a record of " + value.length + " bytes on " + record.topic() + ", more than the "
                    + ContractLimits.MAX_JOB_RECORD_BYTES + " bytes a TrainingJob may take; not decoded";
            deadLetters.byReference(record, value.length, reason);
            runner.refuse(record.key(), ErrorCode.LIMIT_EXCEEDED,
                    reason + " (its key is taken as the job id; the record is on training.jobs.dlq by reference)");
            return AcknowledgeType.REJECT;
        }
        TrainingJob job;
        try {
            job = JOBS.decode(value);
        } catch (UndecodableRecordException e) {
            deadLetters.copy(record, e.getMessage());
            if (record.key() != null) {
                // The client waiting on this key learns why at once, instead of waiting for its timeout.
                runner.refuse(record.key(), ErrorCode.INVALID_JOB, "the record under this key on " + record.topic()
                        + " could not be read as a TrainingJob, so no job was run: " + e.getMessage()
                        + ". The record is on training.jobs.dlq unchanged.");
            }
            return AcknowledgeType.REJECT;
        }
        if (job.getJobId() != null && job.getJobId().length() > ContractLimits.MAX_ECHOED_JOB_ID_CHARS) {
            // A status keyed by it would be too large to publish: no status, the reason on the DLQ.
            deadLetters.byReference(record, value.length, "jobId of " + job.getJobId().length()
                    + " characters; a job id is 1 to " + ContractLimits.MAX_JOB_ID_CHARS + " characters");
            return AcknowledgeType.REJECT;
        }
        try {
            if (!runner.run(job, delivery, held)) {
                return AcknowledgeType.RELEASE;
            }
            // A sweep's trial: rank the sweep if this was its last. Before the acknowledgement, so a
            // trainer that fails or dies here leaves the record to be delivered again, and ranked then.
            sweeps.trialDone(job);
            return AcknowledgeType.ACCEPT;
        } catch (RuntimeException | Error e) {
            // JobRunner turns a job's own failures into a FAILED status; what still escapes is the
            // platform failing (e.g. the broker refusing the status). The record goes back to the
            // queue: another delivery (bounded by the group's delivery count limit) tries again.
            LOG.errorf(e, "job %s could not be handled; releasing its record to the queue", job.getJobId());
            return AcknowledgeType.RELEASE;
        }
    }
}
