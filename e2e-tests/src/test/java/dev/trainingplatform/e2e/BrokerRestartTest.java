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
 * trainer's producers (acks=all, idempotent) keep retrying while it is away; the job's delivery from
 * the share group ends with the broker (acquisition locks live in the partition leader's memory), so
 * the trainer stops the job when its renewal fails, takes the record again once the broker is back,
 * and resumes from the latest resume point as the next attempt. Nothing is lost: every epoch and every
 * checkpoint arrive, within an attempt exactly once, attempts never overlap, and an epoch published
 * by two attempts has the same figures in both.
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
                JobStatus last = statuses.get(statuses.size() - 1);
                assertThat(last.getState()).isEqualTo(JobState.SUCCEEDED);
                List<String> expected = new java.util.ArrayList<>();
                for (int attempt = 1; attempt <= last.getAttempt(); attempt++) {
                    expected.addAll(List.of("QUEUED#" + attempt, "RUNNING#" + attempt));
                }
                expected.add("SUCCEEDED#" + last.getAttempt());
                assertThat(statuses).extracting(s -> s.getState() + "#" + s.getAttempt()).containsExactlyElementsOf(expected);

                List<EpochMetrics> metrics = client.await(Topics.METRICS, EpochMetrics.class, job.getJobId(),
                        m -> m.stream().anyMatch(x -> x.getEpoch() == 200), WAIT);
                Map<Integer, List<EpochMetrics>> byAttempt = metrics.stream()
                        .collect(Collectors.groupingBy(EpochMetrics::getAttempt, java.util.TreeMap::new, Collectors.toList()));
                for (List<EpochMetrics> one : byAttempt.values()) {
                    assertThat(one).extracting(EpochMetrics::getEpoch).doesNotHaveDuplicates();
                }
                assertThat(metrics.stream().map(EpochMetrics::getEpoch).distinct().sorted().toList())
                        .containsExactlyElementsOf(IntStream.rangeClosed(1, 200).boxed().toList());
                Map<Integer, List<EpochMetrics>> byEpoch = metrics.stream().collect(Collectors.groupingBy(EpochMetrics::getEpoch));
                byEpoch.values().forEach(same -> assertThat(same).extracting(EpochMetrics::getTrainLoss)
                        .as("an epoch replayed by a resumed attempt").containsOnly(same.get(0).getTrainLoss()));
                List<Integer> attempts = List.copyOf(byAttempt.keySet());
                for (int i = 0; i + 1 < attempts.size(); i++) {
                    long lastOfThis = byAttempt.get(attempts.get(i)).stream().mapToLong(m -> m.getTimestamp().toEpochMilli())
                            .max().orElseThrow();
                    long firstOfNext = byAttempt.get(attempts.get(i + 1)).stream()
                            .mapToLong(m -> m.getTimestamp().toEpochMilli()).min().orElseThrow();
                    assertThat(lastOfThis).as("attempts overlap").isLessThan(firstOfNext);
                }

                List<Checkpoint> checkpoints = client.await(Topics.CHECKPOINTS, Checkpoint.class, job.getJobId(),
                        c -> c.stream().anyMatch(x -> x.getEpoch() == 200), WAIT);
                assertThat(checkpoints.stream().map(Checkpoint::getEpoch).distinct().sorted().toList())
                        .containsExactlyElementsOf(IntStream.rangeClosed(1, 10).map(i -> i * 20).boxed().toList());
                checkpoints.stream().collect(Collectors.groupingBy(Checkpoint::getAttempt)).values()
                        .forEach(one -> assertThat(one).extracting(Checkpoint::getEpoch).doesNotHaveDuplicates());

                // Every checkpoint evaluated; one evaluated twice (its record's offset not committed
                // before the broker died) would carry the same figures.
                List<EvaluationResult> evaluations = client.await(Topics.EVALUATIONS, EvaluationResult.class,
                        job.getJobId(), r -> r.stream().map(EvaluationResult::getCheckpointId).distinct().count()
                                >= checkpoints.size(), WAIT);
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
