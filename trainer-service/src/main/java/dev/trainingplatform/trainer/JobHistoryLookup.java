package dev.trainingplatform.trainer;

import dev.trainingplatform.contract.AvroCodec;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.UndecodableRecordException;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The latest status a job has on the compacted training.status topic, read when its record arrives:
 * a record redelivered after a crash must not run a finished job again, and an interrupted job must
 * know which attempt comes next. Only the job's own partition is read ({@link Topics#partitionOf}),
 * from the beginning to the end it has now, so there is no race with a view still loading.
 */
@ApplicationScoped
public class JobHistoryLookup {

    private static final AvroCodec<JobStatus> STATUS = AvroCodec.of(JobStatus.class);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    public Optional<JobStatus> latest(String jobId) {
        Map<String, Object> props = new HashMap<>(kafka);
        props.put("enable.auto.commit", "false");
        props.remove("group.id");
        try (KafkaConsumer<String, byte[]> consumer =
                     new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            int partitions = consumer.partitionsFor(Topics.STATUS).size();
            if (partitions == 0) {
                return Optional.empty();
            }
            TopicPartition partition = new TopicPartition(Topics.STATUS, Topics.partitionOf(jobId, partitions));
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            JobStatus latest = null;
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (consumer.position(partition) < end) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + Topics.STATUS + " within a minute");
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (jobId.equals(r.key())) {
                        try {
                            latest = STATUS.decode(r.value());
                        } catch (UndecodableRecordException e) {
                            // Not a status: says nothing about the job.
                        }
                    }
                }
            }
            return Optional.ofNullable(latest);
        }
    }
}
