package dev.trainingplatform.dashboard;

import dev.trainingplatform.contract.AvroCodec;
import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.EvaluationResult;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.TrainingJob;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** The topics the dashboard reads, and their records as the events a job page shows. */
final class JobRecords {

    /** The job queues (for what was submitted and its labels), then what comes back. */
    static final List<String> TOPICS = List.of(Topics.JOBS_HIGH, Topics.JOBS, Topics.JOBS_LOW, Topics.STATUS,
            Topics.METRICS, Topics.EVALUATIONS);

    private static final AvroCodec<TrainingJob> JOBS = AvroCodec.of(TrainingJob.class);
    private static final AvroCodec<JobStatus> STATUSES = AvroCodec.of(JobStatus.class);
    private static final AvroCodec<EpochMetrics> METRICS = AvroCodec.of(EpochMetrics.class);
    private static final AvroCodec<EvaluationResult> EVALUATIONS = AvroCodec.of(EvaluationResult.class);

    private JobRecords() {}

    /** The decoded record, or null for one the contract cannot decode (the services dead-letter those). */
    static Object decode(ConsumerRecord<String, byte[]> r) {
        if (r.key() == null || r.value() == null) {
            return null;
        }
        // As the trainer: a job record over the contract's size is not decoded (it was dead-lettered by reference).
        if (r.value().length > dev.trainingplatform.contract.ContractLimits.MAX_JOB_RECORD_BYTES
                && !r.topic().equals(Topics.EVALUATIONS)) {
            return null;
        }
        try {
            return switch (r.topic()) {
                case Topics.JOBS_HIGH, Topics.JOBS, Topics.JOBS_LOW -> JOBS.decode(r.value());
                case Topics.STATUS -> STATUSES.decode(r.value());
                case Topics.METRICS -> METRICS.decode(r.value());
                case Topics.EVALUATIONS -> EVALUATIONS.decode(r.value());
                default -> null;
            };
        } catch (RuntimeException undecodable) {
            return null;
        }
    }

    /** The record as a job page event, or null where it is not one. */
    static JobEvent event(ConsumerRecord<String, byte[]> r, Object decoded) {
        String type;
        Map<String, Object> data;
        if (decoded instanceof TrainingJob job) {
            type = "submitted";
            // What the page shows of a job, not its layer list's every argument.
            data = new HashMap<>();
            data.put("epochs", job.getEpochs());
            data.put("batchSize", job.getBatchSize());
            data.put("dataset", job.getDataset().getName().toString());
            data.put("model", job.getModel().getPreset() != null ? job.getModel().getPreset().toString()
                    : job.getModel().getLayers().size() + " layers");
            data.put("priority", job.getPriority().toString());
            data.put("labels", AvroMaps.of(job).get("labels"));
        } else if (decoded instanceof JobStatus s) {
            type = "status";
            data = AvroMaps.of(s);
        } else if (decoded instanceof EpochMetrics m) {
            type = "epoch";
            data = AvroMaps.of(m);
        } else if (decoded instanceof EvaluationResult e) {
            type = "evaluation";
            data = AvroMaps.of(e);
        } else {
            return null;
        }
        return new JobEvent(type, r.key(), r.topic(), r.partition(), r.offset(), data);
    }
}
