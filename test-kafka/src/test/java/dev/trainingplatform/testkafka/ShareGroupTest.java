package dev.trainingplatform.testkafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainingplatform.contract.JobQueues;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * What the job queue relies on, against the test broker: share groups are on, a group configured
 * through the Admin API starts at the earliest record, and RENEW keeps a record from a second
 * consumer for longer than its lock while a lapsed lock hands it over.
 */
class ShareGroupTest {

    private static KafkaShareConsumer<String, String> consumer(String group) {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", KafkaBroker.shared().bootstrapServers());
        props.put("group.id", group);
        props.put("share.acknowledgement.mode", "explicit");
        props.put("share.acquire.mode", "record_limit");
        props.put("max.poll.records", 1);
        return new KafkaShareConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    }

    private static List<ConsumerRecord<String, String>> pollFor(KafkaShareConsumer<String, String> c, Duration d) {
        List<ConsumerRecord<String, String>> got = new ArrayList<>();
        long end = System.nanoTime() + d.toNanos();
        while (got.isEmpty() && System.nanoTime() < end) {
            c.poll(Duration.ofMillis(200)).forEach(got::add);
        }
        return got;
    }

    @Test
    void aRenewedRecordStaysWithItsConsumerPastTheLockAndALapsedOneMovesOn() throws Exception {
        KafkaBroker broker = KafkaBroker.shared();
        String topic = "share-" + UUID.randomUUID();
        String group = "share-test-" + UUID.randomUUID();
        try (var admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            JobQueues.configure(admin, group, Map.of("share.auto.offset.reset", "earliest",
                    "share.record.lock.duration.ms", "6000"));
        }
        try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", broker.bootstrapServers()),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "job", "1")).get(30, TimeUnit.SECONDS);
        }
        try (var holder = consumer(group); var other = consumer(group)) {
            holder.subscribe(List.of(topic));
            other.subscribe(List.of(topic));
            List<ConsumerRecord<String, String>> first = pollFor(holder, Duration.ofSeconds(30));
            assertThat(first).as("published before any member joined, still delivered").hasSize(1);
            ConsumerRecord<String, String> held = first.get(0);
            assertThat(held.deliveryCount()).contains((short) 1);

            // Renewed every second for 15 s: two and a half lock durations (a lock of 6 s leaves room
            // for a busy machine; at 2 s one CI run saw a renewal come too late).
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (System.nanoTime() < end) {
                holder.acknowledge(held, AcknowledgeType.RENEW);
                var result = holder.commitSync();
                assertThat(result.values()).allMatch(java.util.Optional::isEmpty);
                for (var r : holder.poll(Duration.ofMillis(100))) {
                    held = r;
                }
                assertThat(other.poll(Duration.ofMillis(900))).as("the other consumer gets nothing").isEmpty();
                assertThat(held.deliveryCount()).as("still the first delivery: the lock never lapsed").contains((short) 1);
            }
            // Not renewed: after the lock lapses the other consumer gets it, as a later delivery (the
            // second, or the third where the holder's consumer had fetched it once more before it
            // lapsed: one CI run on a loaded machine saw that).
            holder.acknowledge(held, AcknowledgeType.RENEW);
            holder.commitSync();
            List<ConsumerRecord<String, String>> second = pollFor(other, Duration.ofSeconds(30));
            assertThat(second).hasSize(1);
            assertThat(second.get(0).offset()).isEqualTo(held.offset());
            assertThat(second.get(0).deliveryCount()).hasValueSatisfying(count -> assertThat(count).isBetween((short) 2, (short) 3));
            other.acknowledge(second.get(0), AcknowledgeType.ACCEPT);
            other.commitSync();
        }
    }

    @Test
    void theQueueDepthCountsJobsWaitingAndHeldUntilTheyAreAcknowledged() throws Exception {
        KafkaBroker broker = KafkaBroker.shared();
        String group = "depth-test-" + UUID.randomUUID();
        try (var admin = broker.admin()) {
            JobQueues.configure(admin, group, Map.of("share.auto.offset.reset", "earliest"));
        }
        try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", broker.bootstrapServers()),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(dev.trainingplatform.contract.Topics.JOBS_LOW, "job-" + i, "x"))
                        .get(30, TimeUnit.SECONDS);
            }
        }
        try (var consumer = consumer(group); var admin = broker.admin()) {
            consumer.subscribe(List.of(dev.trainingplatform.contract.Topics.JOBS_LOW));
            ConsumerRecord<String, String> held = pollFor(consumer, Duration.ofSeconds(30)).get(0);
            // Held by a consumer still counts: a trainer is busy with it.
            assertThat(awaitDepth(admin, group, 3)).containsEntry(dev.trainingplatform.contract.Topics.JOBS_LOW, 3L)
                    .containsEntry(dev.trainingplatform.contract.Topics.JOBS, 0L);
            consumer.acknowledge(held, AcknowledgeType.ACCEPT);
            consumer.commitSync();
            assertThat(awaitDepth(admin, group, 2)).containsEntry(dev.trainingplatform.contract.Topics.JOBS_LOW, 2L);
        }
    }

    private static Map<String, Long> awaitDepth(org.apache.kafka.clients.admin.Admin admin, String group, long expected)
            throws InterruptedException {
        Map<String, Long> depth = Map.of();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            depth = JobQueues.depth(admin, group);
            if (depth.getOrDefault(dev.trainingplatform.contract.Topics.JOBS_LOW, -1L) == expected) {
                break;
            }
            Thread.sleep(200);
        }
        return depth;
    }
}
