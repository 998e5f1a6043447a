package dev.trainingplatform.testkafka;

import dev.trainingplatform.contract.AvroCodec;
import dev.trainingplatform.contract.AvroSerializer;
import dev.trainingplatform.contract.JobPartition;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.contract.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** What a user's client does, for tests: publish jobs and read the contract's topics back. */
public final class ContractClient {

    private final String bootstrapServers;

    private final Map<String, Object> security;

    public ContractClient(String bootstrapServers) {
        this(bootstrapServers, Map.of());
    }

    /** @param security client settings added to every producer and consumer (security.protocol, sasl.*, ssl.*) */
    public ContractClient(String bootstrapServers, Map<String, Object> security) {
        this.bootstrapServers = bootstrapServers;
        this.security = Map.copyOf(security);
    }

    private Map<String, Object> config(Object... keyValues) {
        Map<String, Object> config = new java.util.HashMap<>(security);
        config.put("bootstrap.servers", bootstrapServers);
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put((String) keyValues[i], keyValues[i + 1]);
        }
        return config;
    }

    /** On the queue of the job's priority ({@link Topics#jobsTopic}). */
    public void submit(TrainingJob job) {
        String topic = Topics.jobsTopic(job.getPriority());
        send(topic, job.getJobId(), new AvroSerializer<TrainingJob>().serialize(topic, job));
    }

    /** Submits many jobs through one producer, in order, each on the queue of its priority. */
    public void submitAll(List<TrainingJob> jobs) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config(),
                new StringSerializer(), new ByteArraySerializer())) {
            AvroSerializer<TrainingJob> serializer = new AvroSerializer<>();
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            for (TrainingJob job : jobs) {
                String topic = Topics.jobsTopic(job.getPriority());
                sent.add(producer.send(new ProducerRecord<>(topic, job.getJobId(), serializer.serialize(topic, job))));
            }
            for (var f : sent) {
                f.get(30, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot submit " + jobs.size() + " jobs", e);
        }
    }

    public void send(String topic, String key, byte[] value) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config(
                "max.request.size", Topics.CHECKPOINT_MAX_MESSAGE_BYTES),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot send to " + topic, e);
        }
    }

    /**
     * Sends as a client with gzip compression would: the broker checks its 1 MB limit on the
     * compressed batch, so a value of many MB that compresses well still gets onto the topic.
     */
    public void sendCompressed(String topic, String key, byte[] value) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config(
                "compression.type", "gzip",
                "max.request.size", 64 << 20, "buffer.memory", 128L << 20),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot send to " + topic, e);
        }
    }

    /** A consumer assigned every partition of {@code topic}, at its beginning (no group, no commits). */
    private KafkaConsumer<String, byte[]> fromBeginning(String topic) {
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config(
                "max.partition.fetch.bytes", Topics.CHECKPOINT_MAX_MESSAGE_BYTES),
                new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    /** Reads a topic from the beginning until the records keyed {@code key} satisfy {@code done}. */
    public List<ConsumerRecord<String, byte[]>> awaitRecords(String topic, String key,
                                                             Predicate<List<ConsumerRecord<String, byte[]>>> done,
                                                             Duration timeout) {
        try (KafkaConsumer<String, byte[]> consumer = fromBeginning(topic)) {
            List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (key == null || key.equals(r.key())) {
                        seen.add(r);
                    }
                }
                if (done.test(seen)) {
                    return seen;
                }
            }
            throw new AssertionError("timed out after " + timeout + " waiting on " + topic + " for key " + key
                    + "; saw " + seen.size() + " records");
        }
    }

    /** The records keyed {@code key} on a topic now: the key's partition, from the beginning up to its current end. */
    public List<ConsumerRecord<String, byte[]>> readToEnd(String topic, String key) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config(
                "max.partition.fetch.bytes", Topics.CHECKPOINT_MAX_MESSAGE_BYTES),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            if (key != null) {
                return JobPartition.readToEnd(consumer, topic, key, Duration.ofSeconds(60));
            }
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
            }
            return seen;
        }
    }

    /** Decoded values of one contract topic for one job, read until {@code done} holds. */
    public <T extends SpecificRecord> List<T> await(String topic, Class<T> type, String jobId,
                                                    Predicate<List<T>> done, Duration timeout) {
        AvroCodec<T> codec = AvroCodec.of(type);
        List<T> values = new ArrayList<>();
        awaitRecords(topic, jobId, records -> {
            values.clear();
            records.forEach(r -> values.add(codec.decode(r.value())));
            return done.test(values);
        }, timeout);
        return values;
    }
}
