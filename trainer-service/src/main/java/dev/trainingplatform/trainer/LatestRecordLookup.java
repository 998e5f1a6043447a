package dev.trainingplatform.trainer;

import dev.trainingplatform.contract.JobPartition;
import dev.trainingplatform.contract.Topics;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The latest value a job's key has on a compacted topic (its status, its resume point), read when
 * the job's record arrives. Only the job's own partition is read ({@link Topics#partitionOf}), from
 * the beginning to the end it has now, so there is no race with a view still loading. Values that
 * do not decode are passed over; a tombstone reads as no value.
 *
 * <p>One consumer is kept and reassigned for each lookup: creating one per job cost about 300 ms of
 * connection and metadata, which made each of 300 refused jobs take 0.37 s (BadInputTest's flood).
 */
@ApplicationScoped
public class LatestRecordLookup {

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    private KafkaConsumer<String, byte[]> consumer;

    private KafkaConsumer<String, byte[]> consumer() {
        if (consumer == null) {
            Map<String, Object> props = new HashMap<>(kafka);
            props.put("enable.auto.commit", "false");
            props.put("max.partition.fetch.bytes", String.valueOf(Topics.CHECKPOINT_MAX_MESSAGE_BYTES));
            props.remove("group.id");
            consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        }
        return consumer;
    }

    @jakarta.annotation.PreDestroy
    synchronized void close() {
        if (consumer != null) {
            consumer.close(Duration.ofSeconds(5));
            consumer = null;
        }
    }

    public synchronized <T> Optional<T> latest(String topic, String jobId, Function<byte[], Optional<T>> decoder) {
        try {
            return read(consumer(), topic, jobId, decoder);
        } catch (RuntimeException e) {
            close(); // a fresh consumer next time
            throw e;
        }
    }

    /** Every value {@code jobId} has on {@code topic} (a job's metrics), oldest first; undecodable ones left out. */
    public synchronized <T> java.util.List<T> all(String topic, String jobId, Function<byte[], Optional<T>> decoder) {
        try {
            java.util.List<T> values = new java.util.ArrayList<>();
            for (ConsumerRecord<String, byte[]> r : JobPartition.readToEnd(consumer(), topic, jobId, Duration.ofMinutes(1))) {
                if (r.value() != null) {
                    decoder.apply(r.value()).ifPresent(values::add);
                }
            }
            return values;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private static <T> Optional<T> read(KafkaConsumer<String, byte[]> consumer, String topic, String jobId,
                                        Function<byte[], Optional<T>> decoder) {
        Optional<T> latest = Optional.empty();
        for (ConsumerRecord<String, byte[]> r : JobPartition.readToEnd(consumer, topic, jobId, Duration.ofMinutes(1))) {
            if (r.value() == null) {
                latest = Optional.empty();
            } else {
                Optional<T> decoded = decoder.apply(r.value());
                if (decoded.isPresent()) {
                    latest = decoded;
                }
            }
        }
        return latest;
    }
}
