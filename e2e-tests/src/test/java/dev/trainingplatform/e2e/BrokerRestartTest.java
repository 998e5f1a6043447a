package dev.trainingplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainingplatform.contract.Checkpoint;
import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.EvaluationResult;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.ml.testdata.FashionMnistFiles;
import dev.trainingplatform.testkafka.ContractClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The broker dies (SIGKILL) in the middle of a job and comes back on the same port and data. The
 * trainer's producers (acks=all, idempotent) keep retrying while it is away, so the job goes on where
 * it was: every epoch's metrics exactly once, every checkpoint exactly once, one status per state.
 */
class BrokerRestartTest {

    static final Duration WAIT = Duration.ofMinutes(4);

    @Test
    void aJobRunningThroughABrokerRestartLosesAndDuplicatesNothing() throws Exception {
        Path work = Files.createTempDirectory("broker-restart-");
        Path data = FashionMnistFiles.write(work.resolve("data/fashion-mnist"), 300, 100, true);
        try (KafkaProcess kafka = KafkaProcess.start(ServiceProcess.root(), work.resolve("kafka"))) {
            Map<String, String> env = ServiceProcess.environment(kafka.bootstrapServers(), work, data);
            ContractClient client = new ContractClient(kafka.bootstrapServers());
            ServiceProcess trainer = ServiceProcess.start("trainer", env, work);
            ServiceProcess evaluator = ServiceProcess.start("evaluator", env, work);
            try {
                TrainingJob job = E2eStack.fashionJob("restart-" + java.util.UUID.randomUUID(), 200).build();
                client.submit(job);
                client.await(Topics.METRICS, EpochMetrics.class, job.getJobId(), m -> m.size() >= 10, WAIT);
                kafka.kill();
                Thread.sleep(5_000);
                kafka.startAgain(ServiceProcess.root());

                List<JobStatus> statuses = client.await(Topics.STATUS, JobStatus.class, job.getJobId(),
                        s -> s.stream().anyMatch(x -> x.getState() == JobState.SUCCEEDED || x.getState() == JobState.FAILED),
                        WAIT);
                assertThat(statuses).extracting(s -> s.getState() + "#" + s.getAttempt())
                        .containsExactly("QUEUED#1", "RUNNING#1", "SUCCEEDED#1");

                List<EpochMetrics> metrics = client.await(Topics.METRICS, EpochMetrics.class, job.getJobId(),
                        m -> m.size() >= 200, WAIT);
                assertThat(metrics).extracting(EpochMetrics::getEpoch)
                        .containsExactlyElementsOf(IntStream.rangeClosed(1, 200).boxed().toList());

                List<Checkpoint> checkpoints = client.await(Topics.CHECKPOINTS, Checkpoint.class, job.getJobId(),
                        c -> c.size() >= 10, WAIT);
                assertThat(checkpoints).extracting(Checkpoint::getEpoch)
                        .containsExactlyElementsOf(IntStream.rangeClosed(1, 10).map(i -> i * 20).boxed().toList());

                // Every checkpoint evaluated; one evaluated twice (its record's offset not committed
                // before the broker died) would carry the same figures.
                List<EvaluationResult> evaluations = client.await(Topics.EVALUATIONS, EvaluationResult.class,
                        job.getJobId(), r -> r.stream().map(EvaluationResult::getEpoch).distinct().count() >= 10, WAIT);
                Map<String, List<EvaluationResult>> byCheckpoint = evaluations.stream()
                        .collect(Collectors.groupingBy(EvaluationResult::getCheckpointId));
                assertThat(byCheckpoint.keySet()).containsExactlyInAnyOrderElementsOf(
                        checkpoints.stream().map(Checkpoint::getCheckpointId).toList());
                byCheckpoint.values().forEach(same -> assertThat(same).extracting(EvaluationResult::getTestLoss)
                        .containsOnly(same.get(0).getTestLoss()));
                assertThat(evaluations).allSatisfy(e -> assertThat(e.getError()).isNull());
            } catch (AssertionError e) {
                throw ServiceProcess.withLogs(e, List.of(trainer, evaluator));
            } finally {
                ServiceProcess.closeAll(List.of(trainer, evaluator));
            }
        }
    }
}
