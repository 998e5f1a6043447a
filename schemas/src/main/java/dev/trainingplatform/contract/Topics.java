package dev.trainingplatform.contract;

import java.util.List;
import java.util.Map;

/** The topics of the public contract, with the partitions and configs they are created with. */
public final class Topics {

    /** The NORMAL job queue (and the only one before priorities): old clients publish here. */
    public static final String JOBS = "training.jobs";
    public static final String JOBS_HIGH = "training.jobs.high";
    public static final String JOBS_LOW = "training.jobs.low";
    public static final String JOBS_DLQ = "training.jobs.dlq";
    public static final String STATUS = "training.status";
    public static final String METRICS = "training.metrics";
    public static final String CHECKPOINTS = "training.checkpoints";
    public static final String EVALUATIONS = "evaluation.results";
    public static final String CHECKPOINTS_DLQ = "training.checkpoints.dlq";
    public static final String CANCELLATIONS = "training.cancellations";
    public static final String RESUME_POINTS = "training.resume-points";
    /** Hyperparameter sweeps (SweepRequest), keyed by sweep id; undecodable ones go to {@link #JOBS_DLQ}. */
    public static final String SWEEPS = "training.sweeps";
    public static final String SWEEP_RESULTS = "training.sweep-results";

    /** Largest record the checkpoints topic takes: inline parameters of the preset models fit well below. */
    public static final int CHECKPOINT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

    public record TopicSpec(String name, int partitions, Map<String, String> configs) {}

    /** The topic a job of {@code priority} is published on: its queue. */
    public static String jobsTopic(JobPriority priority) {
        return switch (priority == null ? JobPriority.NORMAL : priority) {
            case HIGH -> JOBS_HIGH;
            case NORMAL -> JOBS;
            case LOW -> JOBS_LOW;
        };
    }

    /**
     * Partitions of the job queues: one. A share group hands a partition to members exclusively
     * while there are no more members than partitions (Kafka's simple share assignor balances
     * partitions first), so with two trainers on a 2-partition topic a busy trainer's partition waits
     * for it, as in a consumer group (seen in QueueTest: a job waited 47 s, until the busy trainer's
     * session expired). With one partition every trainer reads the whole queue. A partition holds up
     * to {@code group.share.partition.max.record.locks} (2 000) jobs in flight, far more trainers than
     * a cluster runs; the records are small.
     */
    public static final int JOB_QUEUE_PARTITIONS = 1;

    /**
     * The contract's topics with {@code partitions} each where partitions bound parallelism (how many
     * evaluators can work at once, the spread of statuses and metrics); the job queues have
     * {@link #JOB_QUEUE_PARTITIONS}, as any number of trainers share them.
     */
    public static List<TopicSpec> all(int partitions) {
        Map<String, String> jobRetention = Map.of("retention.ms", String.valueOf(7L * 24 * 3600 * 1000));
        return List.of(
                new TopicSpec(JOBS_HIGH, JOB_QUEUE_PARTITIONS, jobRetention),
                new TopicSpec(JOBS, JOB_QUEUE_PARTITIONS, jobRetention),
                new TopicSpec(JOBS_LOW, JOB_QUEUE_PARTITIONS, jobRetention),
                new TopicSpec(JOBS_DLQ, 1, Map.of("retention.ms", String.valueOf(30L * 24 * 3600 * 1000))),
                // Compacted: the latest status of every job stays readable forever.
                new TopicSpec(STATUS, partitions, Map.of("cleanup.policy", "compact")),
                new TopicSpec(METRICS, partitions, Map.of()),
                new TopicSpec(CHECKPOINTS, partitions, Map.of(
                        "max.message.bytes", String.valueOf(CHECKPOINT_MAX_MESSAGE_BYTES),
                        "retention.ms", String.valueOf(3L * 24 * 3600 * 1000))),
                new TopicSpec(CHECKPOINTS_DLQ, 1, Map.of(
                        "max.message.bytes", String.valueOf(CHECKPOINT_MAX_MESSAGE_BYTES))),
                new TopicSpec(EVALUATIONS, partitions, Map.of()),
                // Compacted: every trainer reads it whole at start, so a cancel sent before any
                // trainer picked the job up still applies.
                new TopicSpec(CANCELLATIONS, 1, Map.of("cleanup.policy", "compact")),
                new TopicSpec(SWEEPS, partitions, jobRetention),
                // Compacted: a sweep's trials (RUNNING), then its ranking, stay readable forever.
                new TopicSpec(SWEEP_RESULTS, partitions, Map.of("cleanup.policy", "compact")),
                // Compacted: the latest resume point of every unfinished job; a tombstone when it ends.
                new TopicSpec(RESUME_POINTS, partitions, Map.of(
                        "cleanup.policy", "compact",
                        "max.message.bytes", String.valueOf(CHECKPOINT_MAX_MESSAGE_BYTES))));
    }

    /**
     * The partition the producers' default partitioner gives a record keyed {@code jobId}
     * (murmur2 of the UTF-8 key): every event of one job sits there, on every topic of the contract.
     */
    public static int partitionOf(String jobId, int partitionCount) {
        byte[] key = jobId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(key))
                % partitionCount;
    }

    private Topics() {}
}
