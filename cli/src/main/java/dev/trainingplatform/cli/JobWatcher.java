package dev.trainingplatform.cli;

import dev.trainingplatform.contract.AvroCodec;
import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.EvaluationResult;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobPartition;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.UndecodableRecordException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads one job's events from the status, metrics and evaluation topics (and notes whether its job
 * record is on training.jobs). Either from now on ({@link #fromNow}) or its whole history first
 * ({@link #fromBeginning}): records keyed by the job id all sit in one partition per topic, the one
 * Kafka's default partitioner picks for the key, so only those partitions are read.
 */
final class JobWatcher implements AutoCloseable {

    interface Listener {
        default void status(JobStatus status) {
        }

        default void epoch(EpochMetrics metrics) {
        }

        default void evaluation(EvaluationResult result) {
        }
    }

    private static final AvroCodec<JobStatus> STATUS = AvroCodec.of(JobStatus.class);
    private static final AvroCodec<EpochMetrics> METRICS = AvroCodec.of(EpochMetrics.class);
    private static final AvroCodec<EvaluationResult> RESULTS = AvroCodec.of(EvaluationResult.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final String jobId;
    private final Map<TopicPartition, Long> endAtStart;
    private JobStatus last;
    private boolean finalEvaluation;
    private boolean submitted;

    private JobWatcher(Map<String, Object> kafka, String jobId, boolean fromBeginning) {
        this.jobId = jobId;
        Map<String, Object> props = new HashMap<>(kafka);
        props.put("isolation.level", "read_committed");
        props.put("enable.auto.commit", "false");
        props.put("allow.auto.create.topics", "false");
        consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        List<String> topics = fromBeginning
                ? List.of(Topics.JOBS_HIGH, Topics.JOBS, Topics.JOBS_LOW, Topics.STATUS, Topics.METRICS, Topics.EVALUATIONS)
                : List.of(Topics.STATUS, Topics.METRICS, Topics.EVALUATIONS);
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            partitions.add(JobPartition.of(consumer, topic, jobId).orElseThrow(() -> new CliException(
                    CliException.NOT_FOUND, "topic " + topic + " does not exist; run create-topics")));
        }
        consumer.assign(partitions);
        if (fromBeginning) {
            consumer.seekToBeginning(partitions);
        } else {
            consumer.seekToEnd(partitions);
        }
        partitions.forEach(consumer::position);
        endAtStart = consumer.endOffsets(partitions);
    }

    /** Sees only what happens from now on. */
    static JobWatcher fromNow(Map<String, Object> kafka, String jobId) {
        return new JobWatcher(kafka, jobId, false);
    }

    /** Replays the job's history, then follows it. */
    static JobWatcher fromBeginning(Map<String, Object> kafka, String jobId) {
        return new JobWatcher(kafka, jobId, true);
    }

    /**
     * A watcher that has read the job's whole history so far, told to {@code listener}.
     *
     * @throws CliException when the history cannot be read in time or there is no such job
     */
    static JobWatcher replayed(KafkaSettings kafka, String jobId, Listener listener) {
        JobWatcher watcher = fromBeginning(kafka.props(), jobId);
        try {
            if (!watcher.catchUp(Duration.ofMinutes(2), listener)) {
                throw new CliException(CliException.KAFKA_UNAVAILABLE, "could not read the history of job '" + jobId
                        + "' from " + kafka.bootstrapServers() + " within 2 minutes");
            }
            if (!watcher.known()) {
                throw new CliException(CliException.NOT_FOUND, "no job '" + jobId + "' on training.jobs or training.status");
            }
            return watcher;
        } catch (RuntimeException e) {
            watcher.close();
            throw e;
        }
    }

    /** Reads everything that was on the topics when this watcher was made; false if that took too long. */
    boolean catchUp(Duration timeout, Listener listener) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!caughtUp()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            pollOnce(listener);
        }
        return true;
    }

    private boolean caughtUp() {
        return endAtStart.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    /** Whether the job was ever submitted or has a status (after {@link #catchUp}). */
    boolean known() {
        return submitted || last != null;
    }

    /** The job is over: FAILED, CANCELLED, or SUCCEEDED with its final checkpoint evaluated. */
    boolean finished() {
        return last != null && (last.getState() == JobState.FAILED || last.getState() == JobState.CANCELLED
                || last.getState() == JobState.SUCCEEDED && finalEvaluation);
    }

    JobStatus lastStatus() {
        return last;
    }

    /** @return the last status seen: terminal, or the latest one if the timeout came first */
    JobStatus follow(Duration timeout, Listener listener) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!finished() && System.nanoTime() < deadline) {
            pollOnce(listener);
        }
        return last;
    }

    /** Follows until the job's state is terminal, without waiting for an evaluation. */
    JobStatus followToEnd(Duration timeout, Listener listener) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while ((last == null || last.getState() == JobState.QUEUED || last.getState() == JobState.RUNNING)
                && System.nanoTime() < deadline) {
            pollOnce(listener);
        }
        return last;
    }

    private void pollOnce(Listener listener) {
        // One poll mixes several topics; replaying them in timestamp order keeps the story in order.
        List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>();
        consumer.poll(Duration.ofMillis(250)).forEach(r -> {
            if (jobId.equals(r.key())) {
                batch.add(r);
            }
        });
        batch.sort(Comparator.comparingLong(ConsumerRecord::timestamp));
        for (ConsumerRecord<String, byte[]> r : batch) {
            try {
                switch (r.topic()) {
                    case Topics.JOBS_HIGH, Topics.JOBS, Topics.JOBS_LOW -> submitted = true;
                    case Topics.STATUS -> {
                        last = STATUS.decode(r.value());
                        listener.status(last);
                    }
                    case Topics.METRICS -> listener.epoch(METRICS.decode(r.value()));
                    case Topics.EVALUATIONS -> {
                        EvaluationResult result = RESULTS.decode(r.value());
                        finalEvaluation |= result.getFinalCheckpoint();
                        listener.evaluation(result);
                    }
                    default -> { }
                }
            } catch (UndecodableRecordException e) {
                System.err.println("skipping an undecodable record on " + r.topic() + ": " + e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        consumer.close();
    }
}
