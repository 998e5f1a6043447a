package dev.trainingplatform.testkafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.contract.OptimizerSpec;
import dev.trainingplatform.contract.OptimizerType;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.TrainingJob;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The contract against the official Apache Kafka image, on machines with Docker. Skipped (not
 * failed) where no Docker engine runs, as on this project's build machines.
 */
@Testcontainers(disabledWithoutDocker = true)
class ContainerBrokerTest {

    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.1");

    @Test
    void contractTopicsAndAJobRoundTripThroughTheContainerBroker() throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", KAFKA.getBootstrapServers()))) {
            admin.createTopics(Topics.all(1).stream()
                    .map(t -> new NewTopic(t.name(), t.partitions(), (short) 1).configs(t.configs())).toList())
                    .all().get(60, TimeUnit.SECONDS);
        }
        ContractClient client = new ContractClient(KAFKA.getBootstrapServers());
        TrainingJob job = TrainingJob.newBuilder().setJobId("container-job")
                .setModel(ModelSpec.newBuilder().setPreset("fashion-mnist-mlp").build())
                .setDataset(DatasetSpec.newBuilder().setName("fashion-mnist").build())
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(1e-3).build())
                .setBatchSize(32).setEpochs(1).build();
        client.submit(job);
        List<TrainingJob> read = client.await(Topics.JOBS, TrainingJob.class, "container-job", l -> !l.isEmpty(),
                Duration.ofSeconds(60));
        assertThat(read).containsExactly(job);
    }
}
