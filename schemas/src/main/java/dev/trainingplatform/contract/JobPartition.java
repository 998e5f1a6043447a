package dev.trainingplatform.contract;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * One job's records on a topic of the contract: all of them sit in the partition its key hashes to
 * ({@link Topics#partitionOf}), so a reader assigns that partition alone. Used by the trainer's
 * history lookups, the CLI's watcher and the tests' client.
 */
public final class JobPartition {

    private JobPartition() {}

    /** The partition of {@code topic} holding {@code jobId}'s records; empty if the topic does not exist. */
    public static Optional<TopicPartition> of(Consumer<?, ?> consumer, String topic, String jobId) {
        int partitions = consumer.partitionsFor(topic).size();
        return partitions == 0 ? Optional.empty()
                : Optional.of(new TopicPartition(topic, Topics.partitionOf(jobId, partitions)));
    }

    /**
     * The records keyed {@code jobId} on {@code topic}, read on {@code consumer} (reassigned for it)
     * from the beginning of the job's partition to the end it has when the read starts, so there is no
     * race with records still arriving. Tombstones are included (a null value).
     *
     * @throws IllegalStateException when the partition cannot be read to that end within {@code timeout}
     */
    public static List<ConsumerRecord<String, byte[]>> readToEnd(Consumer<String, byte[]> consumer, String topic,
                                                                 String jobId, Duration timeout) {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        Optional<TopicPartition> found = of(consumer, topic, jobId);
        if (found.isEmpty()) {
            return records;
        }
        TopicPartition partition = found.get();
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        long end = consumer.endOffsets(List.of(partition)).get(partition);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (consumer.position(partition) < end) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("could not read " + partition + " to offset " + end + " within " + timeout);
            }
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (jobId.equals(r.key()) && r.offset() < end) {
                    records.add(r);
                }
            }
        }
        return records;
    }

    /**
     * The latest value {@code key} has on a compacted {@code topic}, decoded with {@code codec}: read
     * as {@link #readToEnd} reads; a tombstone reads as no value, and values that do not decode say
     * nothing about the key (they are passed over).
     */
    public static <T extends org.apache.avro.specific.SpecificRecord> Optional<T> latest(
            Consumer<String, byte[]> consumer, String topic, String key, AvroCodec<T> codec, Duration timeout) {
        Optional<T> latest = Optional.empty();
        for (ConsumerRecord<String, byte[]> r : readToEnd(consumer, topic, key, timeout)) {
            if (r.value() == null) {
                latest = Optional.empty();
                continue;
            }
            try {
                latest = Optional.of(codec.decode(r.value()));
            } catch (UndecodableRecordException e) {
                // not a value of this record type
            }
        }
        return latest;
    }
}
