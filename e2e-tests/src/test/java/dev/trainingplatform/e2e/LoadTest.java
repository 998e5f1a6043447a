package dev.trainingplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainingplatform.contract.AvroCodec;
import dev.trainingplatform.contract.Checkpoint;
import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.EvaluationResult;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.testkafka.ContractClient;
import dev.trainingplatform.testkafka.KafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * 100 small jobs submitted at once to two, then three trainer instances (one share group over
 * two-partition job topics) and one evaluator: every job reaches a terminal state with exactly its
 * events, every trainer takes jobs, and the time and the spread of per-job latencies are reported
 * (target/load-test-report-N-trainers.txt), not asserted.
 */
class LoadTest {

    static final int JOBS = 100;
    static final Duration WAIT = Duration.ofMinutes(10);

    private static <T extends org.apache.avro.specific.SpecificRecord> Map<String, List<T>> byJob(
            ContractClient client, String topic, Class<T> type) {
        AvroCodec<T> codec = AvroCodec.of(type);
        Map<String, List<T>> events = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : client.readToEnd(topic, null)) {
            events.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(codec.decode(r.value()));
        }
        return events;
    }

    @ParameterizedTest(name = "{0} trainers")
    @ValueSource(ints = {2, 3})
    void aHundredJobsAcrossTheTrainersAllFinishWithExactlyTheirEvents(int trainerCount) throws Exception {
        try (E2eStack stack = E2eStack.start("load-")) {
            Map<String, String> env = stack.env();
            Path work = stack.work();
            KafkaBroker broker = stack.broker();
            List<ServiceProcess> services = new ArrayList<>();
            List<String> trainerIds = IntStream.range(0, trainerCount).mapToObj(i -> "trainer-" + (char) ('a' + i)).toList();
            for (String id : trainerIds) {
                Map<String, String> trainerEnv = new HashMap<>(env);
                trainerEnv.put("TRAINER_INSTANCE_ID", id);
                services.add(ServiceProcess.start("trainer", trainerEnv, work));
            }
            services.add(ServiceProcess.start("evaluator", env, work));
            ContractClient client = stack.client();
            try {
                for (ServiceProcess s : services) {
                    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                    while (!s.logContains("started in")) {
                        assertThat(System.nanoTime()).as("services started").isLessThan(deadline);
                        Thread.sleep(100);
                    }
                }
                // Every trainer's three queue consumers in the share group before any job, so that the
                // figures measure the queue, not start-up.
                try (var admin = broker.admin()) {
                    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                    while (true) {
                        var group = admin.describeShareGroups(List.of("trainer")).all().get().get("trainer");
                        if (group.members().size() == 3 * trainerCount
                                && group.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty())) {
                            break;
                        }
                        assertThat(System.nanoTime()).as("all trainers in the share group").isLessThan(deadline);
                        Thread.sleep(200);
                    }
                }
                Map<String, Long> submittedAt = new HashMap<>();
                long start = System.currentTimeMillis();
                for (int i = 0; i < JOBS; i++) {
                    TrainingJob job = E2eStack.fashionJob(String.format("load-%03d-%s", i, java.util.UUID.randomUUID()), 2)
                            .setCheckpoint(dev.trainingplatform.contract.CheckpointPolicy.newBuilder().build()).build();
                    submittedAt.put(job.getJobId(), System.currentTimeMillis());
                    client.submit(job);
                }

                // Every job's latest status terminal, and every checkpoint evaluated.
                long deadline = System.nanoTime() + WAIT.toNanos();
                Map<String, List<JobStatus>> statuses;
                while (true) {
                    statuses = byJob(client, Topics.STATUS, JobStatus.class);
                    long done = statuses.values().stream().filter(s -> isTerminal(s.get(s.size() - 1).getState())).count();
                    if (done == JOBS) {
                        break;
                    }
                    assertThat(System.nanoTime()).as(done + " of " + JOBS + " jobs finished").isLessThan(deadline);
                    Thread.sleep(1000);
                }
                long allDone = statuses.values().stream().mapToLong(s -> s.get(s.size() - 1).getTimestamp().toEpochMilli())
                        .max().orElseThrow();
                Map<String, List<EvaluationResult>> evaluations;
                while ((evaluations = byJob(client, Topics.EVALUATIONS, EvaluationResult.class)).size() < JOBS) {
                    assertThat(System.nanoTime()).as(evaluations.size() + " of " + JOBS + " evaluated").isLessThan(deadline);
                    Thread.sleep(1000);
                }
                Map<String, List<EpochMetrics>> metrics = byJob(client, Topics.METRICS, EpochMetrics.class);
                Map<String, List<Checkpoint>> checkpoints = byJob(client, Topics.CHECKPOINTS, Checkpoint.class);

                assertThat(statuses).hasSize(JOBS);
                for (String jobId : submittedAt.keySet()) {
                    assertThat(statuses.get(jobId)).as(jobId).extracting(s -> s.getState() + "#" + s.getAttempt())
                            .containsExactly("QUEUED#1", "RUNNING#1", "SUCCEEDED#1");
                    assertThat(metrics.get(jobId)).as(jobId).extracting(EpochMetrics::getEpoch).containsExactly(1, 2);
                    assertThat(checkpoints.get(jobId)).as(jobId).extracting(Checkpoint::getEpoch).containsExactly(2);
                    assertThat(evaluations.get(jobId)).as(jobId).singleElement().satisfies(e -> {
                        assertThat(e.getError()).isNull();
                        assertThat(e.getCheckpointId()).isEqualTo(checkpoints.get(jobId).get(0).getCheckpointId());
                    });
                }
                Map<String, Long> perInstance = statuses.values().stream().map(s -> s.get(s.size() - 1).getInstance())
                        .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
                assertThat(perInstance.keySet()).as("every trainer took jobs").containsExactlyInAnyOrderElementsOf(trainerIds);

                report(trainerCount, start, allDone, submittedAt, statuses, evaluations, perInstance);
            } catch (AssertionError e) {
                throw ServiceProcess.withLogs(e, services);
            } finally {
                ServiceProcess.closeAll(services);
            }
        }
    }

    private static boolean isTerminal(JobState s) {
        return s == JobState.SUCCEEDED || s == JobState.FAILED || s == JobState.CANCELLED;
    }

    private static void report(int trainerCount, long start, long allDone, Map<String, Long> submittedAt,
                               Map<String, List<JobStatus>> statuses, Map<String, List<EvaluationResult>> evaluations,
                               Map<String, Long> perInstance) throws Exception {
        List<Long> toDone = new ArrayList<>();
        List<Long> toRunning = new ArrayList<>();
        List<Long> toEvaluated = new ArrayList<>();
        for (Map.Entry<String, Long> e : submittedAt.entrySet()) {
            List<JobStatus> s = statuses.get(e.getKey());
            toRunning.add(s.get(1).getTimestamp().toEpochMilli() - e.getValue());
            toDone.add(s.get(s.size() - 1).getTimestamp().toEpochMilli() - e.getValue());
            toEvaluated.add(evaluations.get(e.getKey()).get(0).getTimestamp().toEpochMilli() - e.getValue());
        }
        String text = String.format("""
                %d jobs (2 epochs each, Fashion-MNIST MLP on 300 generated images) across %d trainers and one evaluator
                all submitted to all finished: %.1f s; jobs per trainer: %s
                submitted -> RUNNING   ms: %s
                submitted -> SUCCEEDED ms: %s
                submitted -> evaluated ms: %s
                """, JOBS, trainerCount, (allDone - start) / 1000.0, perInstance, spread(toRunning), spread(toDone), spread(toEvaluated));
        System.out.println(text);
        Path out = Path.of("target", "load-test-report-" + trainerCount + "-trainers.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, text);
    }

    private static String spread(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return String.format("min %d  p50 %d  p90 %d  p99 %d  max %d", sorted.get(0), at(sorted, 0.5), at(sorted, 0.9),
                at(sorted, 0.99), sorted.get(sorted.size() - 1));
    }

    private static long at(List<Long> sorted, double q) {
        return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(q * sorted.size()) - 1));
    }
}
