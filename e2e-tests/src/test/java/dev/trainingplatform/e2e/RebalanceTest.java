package dev.trainingplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainingplatform.contract.CheckpointPolicy;
import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.testkafka.ContractClient;
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
        return E2eStack.fashionJob(id, 200).build();
    }

    /**
     * A rollout: the trainer running a job is stopped gracefully (SIGTERM) while another one is up.
     * Its partitions are revoked as it leaves the group, the job stops without a terminal status,
     * and the other trainer resumes it from its latest resume point as the next attempt (then it is
     * cancelled, to end the test).
     */
    @Test
    void aTrainerStoppedMidJobHandsItsJobToTheOtherOne() throws Exception {
        try (E2eStack stack = E2eStack.start("handover-")) {
            Map<String, String> env = stack.env();
            Path work = stack.work();
            Map<String, ServiceProcess> trainers = new java.util.LinkedHashMap<>();
            ContractClient client = stack.client();
            try {
                for (String id : List.of("trainer-a", "trainer-b")) {
                    env.put("TRAINER_INSTANCE_ID", id);
                    trainers.put(id, ServiceProcess.start("trainer", env, work));
                }
                // Far more epochs than can finish before the stop on any machine; cancelled once handed over.
                TrainingJob job = E2eStack.fashionJob(jobIdOn(0), 5000)
                        .setCheckpoint(CheckpointPolicy.newBuilder().setEveryEpochs(10).build()).build();
                client.submit(job);
                List<JobStatus> running = client.await(Topics.STATUS, JobStatus.class, job.getJobId(),
                        s -> s.stream().anyMatch(x -> x.getState() == JobState.RUNNING), WAIT);
                String first = running.get(running.size() - 1).getInstance();
                client.await(Topics.METRICS, EpochMetrics.class, job.getJobId(), m -> m.size() >= 25, WAIT);
                trainers.get(first).close();

                List<EpochMetrics> resumedMetrics = client.await(Topics.METRICS, EpochMetrics.class, job.getJobId(),
                        m -> m.stream().filter(x -> x.getAttempt() == 2).count() >= 10, WAIT);
                client.send(Topics.CANCELLATIONS, job.getJobId(), dev.trainingplatform.contract.AvroCodec.of(
                        dev.trainingplatform.contract.CancelRequest.class).encode(dev.trainingplatform.contract.CancelRequest
                        .newBuilder().setJobId(job.getJobId()).setRequestedAt(java.time.Instant.now()).build()));
                List<JobStatus> statuses = client.await(Topics.STATUS, JobStatus.class, job.getJobId(),
                        s -> s.stream().anyMatch(x -> x.getState() == JobState.CANCELLED || x.getState() == JobState.FAILED
                                || x.getState() == JobState.SUCCEEDED), WAIT);
                assertThat(statuses).extracting(s -> s.getState() + "#" + s.getAttempt())
                        .containsExactly("QUEUED#1", "RUNNING#1", "QUEUED#2", "RUNNING#2", "CANCELLED#2");
                JobStatus resumed = statuses.get(3);
                assertThat(resumed.getInstance()).isNotEqualTo(first);
                assertThat(resumed.getMessage()).startsWith("resumed after epoch ");
                int from = resumed.getEpochsCompleted();
                assertThat(from).isGreaterThanOrEqualTo(20);
                List<Integer> secondEpochs = resumedMetrics.stream().filter(m -> m.getAttempt() == 2)
                        .map(EpochMetrics::getEpoch).toList();
                assertThat(secondEpochs).containsExactlyElementsOf(
                        java.util.stream.IntStream.rangeClosed(from + 1, from + secondEpochs.size()).boxed().toList());
                long lastOfFirst = resumedMetrics.stream().filter(m -> m.getAttempt() == 1)
                        .mapToLong(m -> m.getTimestamp().toEpochMilli()).max().orElseThrow();
                long firstOfSecond = resumedMetrics.stream().filter(m -> m.getAttempt() == 2)
                        .mapToLong(m -> m.getTimestamp().toEpochMilli()).min().orElseThrow();
                assertThat(lastOfFirst).isLessThan(firstOfSecond);
            } catch (AssertionError e) {
                throw ServiceProcess.withLogs(e, trainers.values());
            } finally {
                ServiceProcess.closeAll(trainers.values());
            }
        }
    }

    @Test
    void aTrainerJoiningMidJobNeverLetsTwoTrainersRunOneJob() throws Exception {
        try (E2eStack stack = E2eStack.start("rebalance-")) {
            Map<String, String> env = stack.env();
            Path work = stack.work();
            List<ServiceProcess> trainers = new ArrayList<>();
            ContractClient client = stack.client();
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
                throw ServiceProcess.withLogs(e, trainers);
            } finally {
                ServiceProcess.closeAll(trainers);
            }
        }
    }
}
