package dev.trainingplatform.testkafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainingplatform.contract.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class KafkaBrokerTest {

    @Test
    void brokerAcceptsAndReturnsRecordsOverLoopback() throws Exception {
        KafkaBroker broker = KafkaBroker.shared();
        String host = broker.bootstrapServers().split(",")[0].replaceFirst(":\\d+$", "");
        assertThat(java.net.InetAddress.getByName(host).isLoopbackAddress()).as(host + " is loopback").isTrue();

        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                "bootstrap.servers", broker.bootstrapServers()), new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(Topics.METRICS, "job-x", "hello")).get(30, TimeUnit.SECONDS);
        }
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                "bootstrap.servers", broker.bootstrapServers(),
                "group.id", "broker-test",
                "auto.offset.reset", "earliest"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(Topics.METRICS));
            String seen = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (seen == null && System.nanoTime() < deadline) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
                for (var r : records) {
                    if ("job-x".equals(r.key())) {
                        seen = r.value();
                    }
                }
            }
            assertThat(seen).isEqualTo("hello");
        }
    }

    @Test
    void contractTopicsExistWithTheirConfigs() throws Exception {
        try (Admin admin = KafkaBroker.shared().admin()) {
            Map<String, TopicDescription> topics = admin.describeTopics(
                    Topics.all(2).stream().map(Topics.TopicSpec::name).toList()).allTopicNames().get(30, TimeUnit.SECONDS);
            assertThat(topics).containsKeys(Topics.JOBS, Topics.STATUS, Topics.METRICS, Topics.CHECKPOINTS,
                    Topics.EVALUATIONS, Topics.JOBS_DLQ);
            var status = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, Topics.STATUS);
            var config = admin.describeConfigs(List.of(status)).all().get(30, TimeUnit.SECONDS).get(status);
            assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
        }
    }
}
