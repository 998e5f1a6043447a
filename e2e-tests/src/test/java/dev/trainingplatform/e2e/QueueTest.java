package dev.trainingplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainingplatform.contract.AvroCodec;
import dev.trainingplatform.contract.CancelRequest;
import dev.trainingplatform.contract.CheckpointPolicy;
import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.JobPriority;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.testkafka.ContractClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The job queue (a Kafka share group over the job topics) with real trainer processes: jobs go to
 * whichever trainer is idle, trainers may outnumber partitions, a trainer that stops or freezes hands
 * its job on without two trainers ever training it at once, and priorities order the queues without
 * starving the lowest.
 */
class QueueTest {

    static final Duration WAIT = Duration.ofMinutes(6);

    private static boolean ended(List<JobStatus> s) {
        return s.stream().anyMatch(x -> x.getState() == JobState.SUCCEEDED || x.getState() == JobState.FAILED
                || x.getState() == JobState.CANCELLED);
    }

    private static void cancel(ContractClient client, String jobId) {
        client.send(Topics.CANCELLATIONS, jobId, AvroCodec.of(CancelRequest.class).encode(
                CancelRequest.newBuilder().setJobId(jobId).setRequestedAt(Instant.now()).build()));
    }

    private static Map<String, ServiceProcess> trainers(E2eStack stack, Map<String, String> extra, String... ids)
            throws Exception {
        Map<String, ServiceProcess> trainers = new LinkedHashMap<>();
        for (String id : ids) {
            Map<String, String> env = new java.util.HashMap<>(stack.env());
            env.putAll(extra);
            env.put("TRAINER_INSTANCE_ID", id);
            trainers.put(id, ServiceProcess.start("trainer", env, stack.work()));
        }
        return trainers;
    }

    /** Far more epochs than can finish in a test on any machine; each test cancels its long jobs. */
    private static TrainingJob longJob(String prefix) {
        return E2eStack.fashionJob(prefix + "-" + UUID.randomUUID(), 5000)
                .setCheckpoint(CheckpointPolicy.newBuilder().setEveryEpochs(10).build()).build();
    }

    private static TrainingJob shortJob(String prefix) {
        return E2eStack.fashionJob(prefix + "-" + UUID.randomUUID(), 1)
                .setCheckpoint(CheckpointPolicy.newBuilder().build()).build();
    }

    /** The trainer running {@code job}, once it has published 25 epochs. */
    private static String trainerRunning(ContractClient client, TrainingJob job) {
        List<JobStatus> running = client.await(Topics.STATUS, JobStatus.class, job.getJobId(),
                s -> s.stream().anyMatch(x -> x.getState() == JobState.RUNNING), WAIT);
        client.await(Topics.METRICS, EpochMetrics.class, job.getJobId(), m -> m.size() >= 25, WAIT);
        return running.get(running.size() - 1).getInstance();
    }

    /** Cancels {@code job} and returns its statuses: two attempts, the second cancelled. */
    private static List<JobStatus> cancelAfterOneHandover(ContractClient client, TrainingJob job) {
        cancel(client, job.getJobId());
        List<JobStatus> statuses = client.await(Topics.STATUS, JobStatus.class, job.getJobId(), QueueTest::ended, WAIT);
        assertThat(statuses).extracting(s -> s.getState() + "#" + s.getAttempt())
                .containsExactly("QUEUED#1", "RUNNING#1", "QUEUED#2", "RUNNING#2", "CANCELLED#2");
        return statuses;
    }

    /** Attempt by attempt: no epoch twice, and no attempt publishing after the next one began. */
    private static void assertAttemptsNeverOverlap(List<EpochMetrics> metrics) {
        Map<Integer, List<EpochMetrics>> byAttempt = new java.util.TreeMap<>();
        metrics.forEach(m -> byAttempt.computeIfAbsent(m.getAttempt(), a -> new ArrayList<>()).add(m));
        for (int attempt : byAttempt.keySet()) {
            assertThat(byAttempt.get(attempt)).extracting(EpochMetrics::getEpoch).as("attempt %d", attempt)
                    .doesNotHaveDuplicates();
            if (byAttempt.containsKey(attempt + 1)) {
                long lastOfThis = byAttempt.get(attempt).stream().mapToLong(m -> m.getTimestamp().toEpochMilli()).max()
                        .orElseThrow();
                long firstOfNext = byAttempt.get(attempt + 1).stream().mapToLong(m -> m.getTimestamp().toEpochMilli())
                        .min().orElseThrow();
                assertThat(lastOfThis).as("attempt %d published after attempt %d began", attempt, attempt + 1)
                        .isLessThan(firstOfNext);
            }
        }
    }

    /**
     * A rollout: the trainer running a job is stopped gracefully (SIGTERM) while another one is up.
     * It stops the job within a batch and releases its record; the other trainer takes it at once and
     * resumes it from its latest resume point as the next attempt (then it is cancelled, to end the test).
     */
    @Test
    void aTrainerStoppedMidJobHandsItsJobToTheOtherOne() throws Exception {
        try (E2eStack stack = E2eStack.start("handover-")) {
            ContractClient client = stack.client();
            Map<String, ServiceProcess> trainers = trainers(stack, Map.of(), "trainer-a", "trainer-b");
            try {
                TrainingJob job = longJob("handover");
                client.submit(job);
                String first = trainerRunning(client, job);
                trainers.get(first).close();

                List<EpochMetrics> metrics = client.await(Topics.METRICS, EpochMetrics.class, job.getJobId(),
                        m -> m.stream().filter(x -> x.getAttempt() == 2).count() >= 10, WAIT);
                List<JobStatus> statuses = cancelAfterOneHandover(client, job);
                JobStatus resumed = statuses.get(3);
                assertThat(resumed.getInstance()).isNotEqualTo(first);
                assertThat(resumed.getMessage()).startsWith("resumed after epoch ");
                int from = resumed.getEpochsCompleted();
                assertThat(from).isGreaterThanOrEqualTo(20);
                List<Integer> secondEpochs = metrics.stream().filter(m -> m.getAttempt() == 2).map(EpochMetrics::getEpoch).toList();
                assertThat(secondEpochs).containsExactlyElementsOf(
                        IntStream.rangeClosed(from + 1, from + secondEpochs.size()).boxed().toList());
                assertAttemptsNeverOverlap(metrics);
            } catch (AssertionError e) {
                throw ServiceProcess.withLogs(e, trainers.values());
            } finally {
                ServiceProcess.closeAll(trainers.values());
            }
        }
    }

    /**
     * A trainer frozen (SIGSTOP) past its record's lock, as a long GC pause or a stalled VM would: the
     * broker hands the job to the other trainer, which resumes it; when the frozen one wakes up it
     * finds its lease expired at its next batch and stops without publishing anything, so the job is
     * never trained by two trainers at once.
     */
    @Test
    void aTrainerFrozenPastItsLockNeverTrainsAlongsideTheOneThatTookItsJob() throws Exception {
        try (E2eStack stack = E2eStack.start("frozen-")) {
            ContractClient client = stack.client();
            Map<String, ServiceProcess> trainers = trainers(stack, Map.of("TRAINER_QUEUE_LOCK_DURATION", "PT6S"),
                    "trainer-a", "trainer-b");
            try {
                TrainingJob job = longJob("frozen");
                client.submit(job);
                String first = trainerRunning(client, job);
                ServiceProcess frozen = trainers.get(first);
                frozen.freeze();
                try {
                    client.await(Topics.METRICS, EpochMetrics.class, job.getJobId(),
                            m -> m.stream().filter(x -> x.getAttempt() == 2).count() >= 10, WAIT);
                } finally {
                    frozen.thaw();
                }
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (!frozen.logContains("handed back to the queue")) {
                    assertThat(System.nanoTime()).as("the thawed trainer stops the job").isLessThan(deadline);
                    Thread.sleep(200);
                }
                client.await(Topics.METRICS, EpochMetrics.class, job.getJobId(),
                        m -> m.stream().filter(x -> x.getAttempt() == 2).count() >= 20, WAIT);
                List<JobStatus> statuses = cancelAfterOneHandover(client, job);
                assertThat(statuses.get(3).getInstance()).isNotEqualTo(first);
                assertThat(statuses.get(3).getMessage()).startsWith("resumed after epoch ");
                assertAttemptsNeverOverlap(client.readToEnd(Topics.METRICS, job.getJobId()).stream()
                        .map(r -> AvroCodec.of(EpochMetrics.class).decode(r.value())).toList());
            } catch (AssertionError e) {
                throw ServiceProcess.withLogs(e, trainers.values());
            } finally {
                ServiceProcess.closeAll(trainers.values());
            }
        }
    }

    /**
     * Three trainers on two partitions. While one trains a long job, 20 short jobs submitted one after
     * another (random keys, so several share the long job's partition) all run to the end on the other
     * trainers: none waits behind the long job. Then two more long jobs keep all three trainers busy at
     * once, one more than there are partitions. Submit -> RUNNING of the short jobs is printed (the
     * benchmark `benchmarks/queue` reports it), not asserted.
     */
    @Test
    void jobsGoToIdleTrainersWhateverTheirKeysAndTrainersMayOutnumberPartitions() throws Exception {
        try (E2eStack stack = E2eStack.start("queue-")) {
            ContractClient client = stack.client();
            Map<String, ServiceProcess> trainers = trainers(stack, Map.of(), "trainer-a", "trainer-b", "trainer-c");
            List<String> longJobs = new ArrayList<>();
            try {
                TrainingJob first = longJob("long");
                longJobs.add(first.getJobId());
                client.submit(first);
                client.await(Topics.METRICS, EpochMetrics.class, first.getJobId(), m -> !m.isEmpty(), WAIT);

                List<Long> toRunning = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    TrainingJob job = shortJob("short");
                    long submitted = System.currentTimeMillis();
                    client.submit(job);
                    List<JobStatus> s = client.await(Topics.STATUS, JobStatus.class, job.getJobId(), QueueTest::ended, WAIT);
                    assertThat(s).extracting(x -> x.getState() + "#" + x.getAttempt())
                            .containsExactly("QUEUED#1", "RUNNING#1", "SUCCEEDED#1");
                    toRunning.add(s.get(1).getTimestamp().toEpochMilli() - submitted);
                }
                List<JobStatus> longSoFar = client.readToEnd(Topics.STATUS, first.getJobId()).stream()
                        .map(r -> AvroCodec.of(JobStatus.class).decode(r.value())).toList();
                assertThat(ended(longSoFar)).as("the long job still runs").isFalse();
                List<Long> sorted = toRunning.stream().sorted().toList();
                System.out.printf("20 short jobs beside a long one, submit -> RUNNING ms: p50 %d, p95 %d, max %d%n",
                        sorted.get(9), sorted.get(18), sorted.get(19));

                for (int i = 0; i < 2; i++) {
                    TrainingJob job = longJob("long");
                    longJobs.add(job.getJobId());
                    client.submit(job);
                }
                java.util.Set<String> instances = new java.util.HashSet<>();
                for (String id : longJobs) {
                    List<JobStatus> s = client.await(Topics.STATUS, JobStatus.class, id,
                            x -> x.stream().anyMatch(y -> y.getState() == JobState.RUNNING), WAIT);
                    client.await(Topics.METRICS, EpochMetrics.class, id, m -> m.size() >= 2, WAIT);
                    instances.add(s.get(s.size() - 1).getInstance());
                }
                for (String id : longJobs) {
                    assertThat(ended(client.readToEnd(Topics.STATUS, id).stream()
                            .map(r -> AvroCodec.of(JobStatus.class).decode(r.value())).toList())).as(id).isFalse();
                }
                assertThat(instances).as("three long jobs at once on a two-partition topic")
                        .containsExactlyInAnyOrder("trainer-a", "trainer-b", "trainer-c");
            } catch (AssertionError e) {
                throw ServiceProcess.withLogs(e, trainers.values());
            } finally {
                longJobs.forEach(id -> cancel(client, id));
                ServiceProcess.closeAll(trainers.values());
            }
        }
    }

    /**
     * One trainer, busy, while six jobs of each priority queue up; then they run in the order
     * QueueOrder gives: HIGH first, but NORMAL first for the 4th job and LOW first for the 8th, so the
     * LOW queue is served before the HIGH queue has emptied.
     */
    @Test
    void higherPrioritiesStartFirstAndTheLowestIsNotStarved() throws Exception {
        try (E2eStack stack = E2eStack.start("priority-")) {
            ContractClient client = stack.client();
            Map<String, ServiceProcess> trainers = trainers(stack, Map.of(), "trainer-a");
            try {
                TrainingJob blocker = longJob("blocker"); // the trainer's 1st job
                client.submit(blocker);
                client.await(Topics.METRICS, EpochMetrics.class, blocker.getJobId(), m -> !m.isEmpty(), WAIT);
                List<TrainingJob> queued = new ArrayList<>();
                for (JobPriority p : List.of(JobPriority.LOW, JobPriority.NORMAL, JobPriority.HIGH)) {
                    for (int i = 0; i < 6; i++) {
                        TrainingJob job = shortJob(p.name().toLowerCase());
                        job.setPriority(p);
                        queued.add(job);
                    }
                }
                client.submitAll(queued);
                cancel(client, blocker.getJobId());

                Map<String, Instant> startedAt = new LinkedHashMap<>();
                for (TrainingJob job : queued) {
                    List<JobStatus> s = client.await(Topics.STATUS, JobStatus.class, job.getJobId(), QueueTest::ended, WAIT);
                    assertThat(s.get(s.size() - 1).getState()).isEqualTo(JobState.SUCCEEDED);
                    startedAt.put(job.getPriority().name().substring(0, 1) + ":" + job.getJobId(), s.get(1).getTimestamp());
                }
                List<String> order = startedAt.entrySet().stream().sorted(Map.Entry.comparingByValue())
                        .map(e -> e.getKey().substring(0, 1)).toList();
                // Jobs 2..19 of the trainer: HIGH first except the 4th, 12th (NORMAL first) and 8th, 16th (LOW first).
                assertThat(String.join("", order)).isEqualTo("HHNHHHLHNNNNNLLLLL");
            } catch (AssertionError e) {
                throw ServiceProcess.withLogs(e, trainers.values());
            } finally {
                ServiceProcess.closeAll(trainers.values());
            }
        }
    }
}
