package dev.trainingplatform.testkafka;

import dev.trainingplatform.contract.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real single-node Kafka broker (KRaft, combined controller and broker) running in this JVM and
 * listening on a loopback socket. One broker is shared by all tests of a JVM: starting one takes
 * seconds, and tests isolate themselves by job id.
 */
public final class KafkaBroker implements AutoCloseable {

    private static KafkaBroker shared;

    private final KafkaClusterTestKit cluster;
    private final Path directory;

    private KafkaBroker(KafkaClusterTestKit cluster, Path directory) {
        this.cluster = cluster;
        this.directory = directory;
    }

    /** The JVM-wide broker, started (and given the contract's topics) on first use. */
    public static synchronized KafkaBroker shared() {
        if (shared == null) {
            shared = start();
            shared.createContractTopics(2);
            KafkaBroker broker = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "kafka-broker-shutdown"));
        }
        return shared;
    }

    public static KafkaBroker start() {
        try {
            // Our own directory: the test kit's default one is deleted by a shutdown hook of its
            // own, racing the broker's last writes at JVM exit.
            Path directory = Files.createTempDirectory("kafka-broker-");
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                            .setBaseDirectory(directory)
                            .setCombined(true)
                            .setNumBrokerNodes(1)
                            .setNumControllerNodes(1)
                            .build())
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    // A dead producer's transaction is aborted within a second of its timeout (default: 10 s).
                    .setConfigProp("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000")
                    .setConfigProp("message.max.bytes", String.valueOf(Topics.CHECKPOINT_MAX_MESSAGE_BYTES))
                    .setConfigProp("auto.create.topics.enable", "false")
                    // Share groups (the job queue): their state topic on this one broker, and locks
                    // as short as 2 s allowed, so that tests of lock expiry take seconds.
                    .setConfigProp("share.coordinator.state.topic.replication.factor", "1")
                    .setConfigProp("share.coordinator.state.topic.min.isr", "1")
                    .setConfigProp("group.share.min.record.lock.duration.ms", "1000")
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new KafkaBroker(cluster, directory);
        } catch (Exception e) {
            throw new IllegalStateException("could not start the Kafka broker", e);
        }
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    public Admin admin() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return Admin.create(props);
    }

    public void createContractTopics(int partitions) {
        List<NewTopic> topics = Topics.all(partitions).stream()
                .map(t -> new NewTopic(t.name(), t.partitions(), (short) 1).configs(t.configs()))
                .toList();
        try (Admin admin = admin()) {
            admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not create the contract topics", e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            cluster.close();
            try (var files = Files.walk(directory)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        } catch (Exception e) {
            // Shutting down at JVM exit: nothing useful to do with the failure.
        }
    }
}
