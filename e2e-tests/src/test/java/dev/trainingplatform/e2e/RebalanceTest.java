package dev.trainingplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainingplatform.contract.CheckpointPolicy;
import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.contract.OptimizerSpec;
import dev.trainingplatform.contract.OptimizerType;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.ml.testdata.FashionMnistFiles;
import dev.trainingplatform.testkafka.ContractClient;
import dev.trainingplatform.testkafka.KafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A second trainer joins while the first runs one job and holds another: the rebalance moves one of
 * the two partitions. Whichever job it carries, no job is trained by both trainers at once: a running
 * job whose partition moved stops and its new owner goes on with the next attempt; a waiting job
 * whose partition moved is left to the new owner. Each job succeeds exactly once.
 */
class RebalanceTest {

    static final Duration WAIT = Duration.ofMinutes(6);

    /** A job id whose record lands on {@code partition} of two. */
    private static String jobIdOn(int partition) {
        while (true) {
            String id = "rebalance-" + UUID.randomUUID();
            if (Topics.partitionOf(id, 2) == partition) {
                return id;
            }
        }
    }

    private static TrainingJob job(String id) {
        return TrainingJob.newBuilder()
                .setJobId(id)
                .setModel(ModelSpec.newBuilder().setPreset("fashion-mnist-mlp").build())
                .setDataset(DatasetSpec.newBuilder().setName("fashion-mnist").build())
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(1e-3).build())
                .setBatchSize(32)
                .setEpochs(200)
                .setCheckpoint(CheckpointPolicy.newBuilder().setEveryEpochs(20).build())
                .build();
    }

    @Test
    void aTrainerJoiningMidJobNeverLetsTwoTrainersRunOneJob() throws Exception {
        Path work = Files.createTempDirectory("rebalance-");
        Path data = FashionMnistFiles.write(work.resolve("data/fashion-mnist"), 300, 100, true);
        try (KafkaBroker broker = KafkaBroker.start()) {
            broker.createContractTopics(2);
            Map<String, String> env = ServiceProcess.environment(broker.bootstrapServers(), work, data);
            List<ServiceProcess> trainers = new ArrayList<>();
            ContractClient client = new ContractClient(broker.bootstrapServers());
            try {
                env.put("TRAINER_INSTANCE_ID", "trainer-a");
                trainers.add(ServiceProcess.start("trainer", env, work));
                List<TrainingJob> jobs = List.of(job(jobIdOn(0)), job(jobIdOn(1)));
                jobs.forEach(client::submit);
                // One of them is running on trainer-a (the other waits behind it): then trainer-b joins.
                client.awaitRecords(Topics.METRICS, null, r -> r.size() >= 20, WAIT);
                env.put("TRAINER_INSTANCE_ID", "trainer-b");
                trainers.add(ServiceProcess.start("trainer", env, work));

                for (TrainingJob job : jobs) {
                    List<JobStatus> statuses = client.await(Topics.STATUS, JobStatus.class, job.getJobId(),
                            s -> s.stream().anyMatch(x -> x.getState() == JobState.SUCCEEDED || x.getState() == JobState.FAILED),
                            WAIT);
                    assertThat(statuses).filteredOn(s -> s.getState() == JobState.SUCCEEDED).hasSize(1);
                    assertThat(statuses).noneMatch(s -> s.getState() == JobState.FAILED);
                    List<EpochMetrics> metrics = client.await(Topics.METRICS, EpochMetrics.class, job.getJobId(),
                            m -> m.stream().anyMatch(x -> x.getEpoch() == 200), WAIT);
                    Map<Integer, List<EpochMetrics>> byAttempt = metrics.stream()
                            .collect(Collectors.groupingBy(EpochMetrics::getAttempt));
                    for (int attempt : byAttempt.keySet()) {
                        List<Integer> epochs = byAttempt.get(attempt).stream().map(EpochMetrics::getEpoch).toList();
                        assertThat(epochs).as("attempt %d of %s", attempt, job.getJobId()).doesNotHaveDuplicates();
                        if (byAttempt.containsKey(attempt + 1)) {
                            // The earlier attempt published nothing after the later one began.
                            long lastOfThis = byAttempt.get(attempt).stream()
                                    .mapToLong(m -> m.getTimestamp().toEpochMilli()).max().orElseThrow();
                            long firstOfNext = byAttempt.get(attempt + 1).stream()
                                    .mapToLong(m -> m.getTimestamp().toEpochMilli()).min().orElseThrow();
                            assertThat(lastOfThis).as("attempts of %s overlap", job.getJobId()).isLessThan(firstOfNext);
                        }
                    }
                }
                // The partition that moved took its job along: both trainers ran something.
                List<String> instances = new ArrayList<>();
                for (TrainingJob job : jobs) {
                    client.readToEnd(Topics.STATUS, job.getJobId()).forEach(r -> instances.add(
                            dev.trainingplatform.contract.AvroCodec.of(JobStatus.class).decode(r.value()).getInstance()));
                }
                assertThat(instances).contains("trainer-a", "trainer-b");
            } catch (AssertionError e) {
                StringBuilder logs = new StringBuilder();
                trainers.forEach(t -> logs.append(t.tail()));
                throw new AssertionError(e.getMessage() + "\n" + logs, e);
            } finally {
                for (ServiceProcess t : trainers) {
                    t.close();
                }
            }
        }
    }
}
