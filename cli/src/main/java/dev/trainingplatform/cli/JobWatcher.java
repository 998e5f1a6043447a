package dev.trainingplatform.cli;

import dev.trainingplatform.contract.AvroCodec;
import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.EvaluationResult;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.UndecodableRecordException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Follows one job on the status, metrics and evaluation topics, from the offsets it was created at,
 * until the job is over and, when it succeeded, its final checkpoint has been evaluated.
 */
final class JobWatcher implements AutoCloseable {

    interface Listener {
        void status(JobStatus status);

        void epoch(EpochMetrics metrics);

        void evaluation(EvaluationResult result);
    }

    private static final AvroCodec<JobStatus> STATUS = AvroCodec.of(JobStatus.class);
    private static final AvroCodec<EpochMetrics> METRICS = AvroCodec.of(EpochMetrics.class);
    private static final AvroCodec<EvaluationResult> RESULTS = AvroCodec.of(EvaluationResult.class);

    private final KafkaConsumer<String, byte[]> consumer;

    /** Positions at the current end of the topics: only what happens from now on is seen. */
    JobWatcher(Map<String, Object> kafka) {
        Map<String, Object> props = new HashMap<>(kafka);
        props.put("isolation.level", "read_committed");
        consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(Topics.STATUS, Topics.METRICS, Topics.EVALUATIONS)) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
    }

    /** @return the last status seen: terminal, or the latest one if the timeout came first */
    JobStatus follow(String jobId, Duration timeout, Listener listener) {
        long deadline = System.nanoTime() + timeout.toNanos();
        JobStatus last = null;
        boolean finalEvaluation = false;
        while (System.nanoTime() < deadline) {
            // One poll mixes three topics; replaying them in timestamp order keeps the story in order.
            List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>();
            consumer.poll(Duration.ofMillis(250)).forEach(r -> {
                if (jobId.equals(r.key())) {
                    batch.add(r);
                }
            });
            batch.sort(java.util.Comparator.comparingLong(ConsumerRecord::timestamp));
            for (ConsumerRecord<String, byte[]> r : batch) {
                try {
                    switch (r.topic()) {
                        case Topics.STATUS -> {
                            last = STATUS.decode(r.value());
                            listener.status(last);
                        }
                        case Topics.METRICS -> listener.epoch(METRICS.decode(r.value()));
                        case Topics.EVALUATIONS -> {
                            EvaluationResult result = RESULTS.decode(r.value());
                            listener.evaluation(result);
                            finalEvaluation |= result.getFinalCheckpoint();
                        }
                        default -> { }
                    }
                } catch (UndecodableRecordException e) {
                    System.err.println("skipping an undecodable record on " + r.topic() + ": " + e.getMessage());
                }
            }
            if (last != null && (last.getState() == JobState.FAILED || last.getState() == JobState.CANCELLED
                    || last.getState() == JobState.SUCCEEDED && finalEvaluation)) {
                return last;
            }
        }
        return last;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
