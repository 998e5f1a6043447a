package dev.trainingplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainingplatform.contract.AvroCodec;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.SweepResult;
import dev.trainingplatform.contract.SweepState;
import dev.trainingplatform.contract.SweepTrial;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.testkafka.ContractClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * A sweep through real trainer processes: the trainer expanding it dies in the middle of the
 * expansion, with some trials already on the job queue inside its open transaction; two other
 * trainers expand it again and run it to its ranking. No trial is lost, none runs twice, and the
 * user's {@code platform-cli sweep --watch} follows it all to the end.
 */
class SweepTest {

    static final Duration WAIT = Duration.ofMinutes(6);

    /** The trial records on training.jobs, as a reader with {@code isolation} sees them. */
    private static List<String> trialRecords(E2eStack stack, String sweepId, String isolation) {
        Map<String, Object> props = new HashMap<>(Map.of("bootstrap.servers", stack.broker().bootstrapServers(),
                "isolation.level", isolation));
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition queue = new TopicPartition(Topics.JOBS, 0);
            c.assign(List.of(queue));
            c.seekToBeginning(List.of(queue));
            long end = c.endOffsets(List.of(queue)).get(queue); // the last stable offset for read_committed
            List<String> keys = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (c.position(queue) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.key() != null && r.key().startsWith(sweepId + "-trial-")) {
                        keys.add(r.key());
                    }
                }
            }
            return keys;
        }
    }

    @Test
    void aSweepWhoseExpandingTrainerDiesHalfwayRunsEachTrialOnceAcrossTwoTrainers() throws Exception {
        try (E2eStack stack = E2eStack.start("sweep-")) {
            ContractClient client = stack.client();
            Map<String, String> env = new HashMap<>(stack.env());
            env.put("KAFKA_SESSION_TIMEOUT_MS", "10000"); // the dead expander's partitions move on in 10 s
            env.put("TRAINER_SWEEPS_TRANSACTION_TIMEOUT", "PT10S");
            Map<String, String> doomedEnv = new HashMap<>(env);
            doomedEnv.put("TRAINER_INSTANCE_ID", "doomed");
            doomedEnv.put("TRAINER_SWEEPS_TEST_HALT_AFTER_TRIALS", "2");
            List<ServiceProcess> trainers = new ArrayList<>();
            ServiceProcess doomed = ServiceProcess.start("trainer", doomedEnv, stack.work());
            trainers.add(doomed);
            String sweepId = "sweep-" + java.util.UUID.randomUUID();
            Path file = Files.writeString(stack.work().resolve("sweep.yaml"), """
                    sweepId: %s
                    search: grid
                    maxTrials: 4
                    parameters:
                      - name: learningRate
                        values: [0.01, 0.003, 0.001, 0.0003]
                    job:
                      model: {preset: regression-mlp}
                      dataset: {name: synthetic-regression}
                      optimizer: {type: adam, learningRate: 0.001}
                      loss: mse
                      batchSize: 400
                      epochs: 300
                      validation: {fraction: 0.2}
                    """.formatted(sweepId));
            try {
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (!doomed.logContains("expanding sweeps from training.sweeps") && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                }
                CompletableFuture<CliProcess.Run> watch = CompletableFuture.supplyAsync(() -> {
                    try {
                        return CliProcess.run(ServiceProcess.root(), List.of("sweep", "--file", file.toString(), "--watch",
                                "--every-seconds", "1", "--bootstrap-servers", stack.broker().bootstrapServers()));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });

                OptionalInt halted = doomed.awaitExit(WAIT);
                assertThat(halted).as("the expanding trainer halted mid-expansion").hasValue(137);
                assertThat(trialRecords(stack, sweepId, "read_uncommitted")).as("inside its open transaction")
                        .containsExactly(sweepId + "-trial-1", sweepId + "-trial-2");

                for (String id : List.of("trainer-a", "trainer-b")) {
                    Map<String, String> e = new HashMap<>(env);
                    e.put("TRAINER_INSTANCE_ID", id);
                    trainers.add(ServiceProcess.start("trainer", e, stack.work()));
                }
                List<SweepResult> results = client.await(Topics.SWEEP_RESULTS, SweepResult.class, sweepId,
                        r -> r.stream().anyMatch(x -> x.getState() != SweepState.RUNNING), WAIT);
                SweepResult ranked = results.get(results.size() - 1);
                assertThat(ranked.getState()).isEqualTo(SweepState.SUCCEEDED);
                assertThat(ranked.getTrials()).extracting(SweepTrial::getRank).containsExactly(1, 2, 3, 4);

                // Not lost, not doubled: the committed queue holds each trial once, the aborted
                // transaction's two trials were never handed out, and each trial ran one attempt.
                List<String> trials = List.of(sweepId + "-trial-1", sweepId + "-trial-2", sweepId + "-trial-3",
                        sweepId + "-trial-4");
                assertThat(trialRecords(stack, sweepId, "read_committed")).containsExactlyInAnyOrderElementsOf(trials);
                assertThat(trialRecords(stack, sweepId, "read_uncommitted")).hasSize(6);
                Set<String> instances = new HashSet<>();
                for (String trial : trials) {
                    List<JobStatus> s = client.readToEnd(Topics.STATUS, trial).stream()
                            .map(r -> AvroCodec.of(JobStatus.class).decode(r.value())).toList();
                    assertThat(s).as(trial).extracting(x -> x.getState() + "#" + x.getAttempt())
                            .containsExactly("QUEUED#1", "RUNNING#1", "SUCCEEDED#1");
                    instances.add(s.get(1).getInstance());
                }
                assertThat(instances).as("the trials ran on both trainers").containsExactlyInAnyOrder("trainer-a", "trainer-b");
                // A trainer handed an aborted trial's record would run it, and then ignore its committed
                // copy as already ended (seen with the share group read_uncommitted): no such delivery.
                assertThat(trainers).noneMatch(t -> t.logContains("delivered again and is ignored"));

                CliProcess.Run watched = watch.get(2, java.util.concurrent.TimeUnit.MINUTES);
                assertThat(watched.exitCode()).as(watched.output()).isZero();
                assertThat(watched.output()).contains("sweep " + sweepId + " submitted: 4 trials")
                        .contains("sweep " + sweepId + " RUNNING: ")
                        .contains("sweep " + sweepId + " SUCCEEDED: best: trial ")
                        .contains("best trial: " + ranked.getBestJobId());
                CliProcess.Run result = CliProcess.run(ServiceProcess.root(), List.of("result", "--sweep", sweepId,
                        "--bootstrap-servers", stack.broker().bootstrapServers()));
                assertThat(result.exitCode()).as(result.output()).isZero();
                assertThat(result.output()).containsPattern("(?m)^1\\s+\\d\\s+SUCCEEDED\\s+300\\s");
            } catch (AssertionError e) {
                throw ServiceProcess.withLogs(e, trainers);
            } finally {
                ServiceProcess.closeAll(trainers);
            }
        }
    }
}
