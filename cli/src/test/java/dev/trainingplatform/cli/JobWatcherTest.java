package dev.trainingplatform.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainingplatform.contract.AvroSerializer;
import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.EvaluationResult;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.testkafka.ContractClient;
import dev.trainingplatform.testkafka.KafkaBroker;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/** The watcher reads a job's events from a real broker and stops at the right moment. */
class JobWatcherTest {

    private final KafkaBroker broker = KafkaBroker.shared();
    private final ContractClient client = new ContractClient(broker.bootstrapServers());

    private void publish(String topic, String key, SpecificRecord value) {
        client.send(topic, key, new AvroSerializer<SpecificRecord>().serialize(topic, value));
    }

    private static JobStatus status(String job, JobState state) {
        return JobStatus.newBuilder().setJobId(job).setState(state).setTimestamp(Instant.now()).build();
    }

    @Test
    void followsOneJobUntilItsFinalEvaluationAndIgnoresOthers() throws Exception {
        Map<String, Object> kafka = Map.of("bootstrap.servers", broker.bootstrapServers());
        List<String> seen = new ArrayList<>();
        try (JobWatcher watcher = JobWatcher.fromNow(kafka, "mine")) {
            publish(Topics.STATUS, "other", status("other", JobState.RUNNING));
            publish(Topics.STATUS, "mine", status("mine", JobState.RUNNING));
            publish(Topics.METRICS, "mine", EpochMetrics.newBuilder().setJobId("mine").setEpoch(1).setTotalEpochs(1)
                    .setTrainLoss(0.5).setTrainSamples(10).setSamplesPerSecond(100).setEpochDurationMs(100)
                    .setElapsedMs(100).setEtaMs(0).setTimestamp(Instant.now()).build());
            publish(Topics.STATUS, "mine", status("mine", JobState.SUCCEEDED));
            publish(Topics.EVALUATIONS, "mine", EvaluationResult.newBuilder().setJobId("mine").setCheckpointId("mine/epoch-1")
                    .setEpoch(1).setFinalCheckpoint(true).setTestAccuracy(0.9).setTimestamp(Instant.now()).build());

            JobStatus last = watcher.follow(Duration.ofSeconds(60), new JobWatcher.Listener() {
                @Override
                public void status(JobStatus s) {
                    seen.add("status " + s.getJobId() + " " + s.getState());
                }

                @Override
                public void epoch(EpochMetrics m) {
                    seen.add("epoch " + m.getEpoch());
                }

                @Override
                public void evaluation(EvaluationResult r) {
                    seen.add("evaluation " + r.getTestAccuracy());
                }
            });
            assertThat(last.getState()).isEqualTo(JobState.SUCCEEDED);
        }
        assertThat(seen).containsExactly("status mine RUNNING", "epoch 1", "status mine SUCCEEDED", "evaluation 0.9");
    }

    @Test
    void createTopicsIsIdempotent() throws Exception {
        Map<String, Object> kafka = Map.of("bootstrap.servers", broker.bootstrapServers());
        // The shared broker already has every topic of the contract.
        assertThat(TopicAdmin.createMissing(kafka, 2)).isEmpty();
    }

    @Test
    void createTopicsConfiguresTheTrainersShareGroup() throws Exception {
        Map<String, Object> kafka = Map.of("bootstrap.servers", broker.bootstrapServers());
        String group = "queue-config-" + java.util.UUID.randomUUID();
        TopicAdmin.configureQueue(kafka, group, 4, java.time.Duration.ofSeconds(20));
        try (var admin = broker.admin()) {
            var resource = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.GROUP, group);
            var config = admin.describeConfigs(java.util.List.of(resource)).all().get().get(resource);
            assertThat(config.get("share.delivery.count.limit").value()).isEqualTo("5");
            assertThat(config.get("share.record.lock.duration.ms").value()).isEqualTo("20000");
            assertThat(config.get("share.auto.offset.reset").value()).isEqualTo("earliest");
        }
    }
}
