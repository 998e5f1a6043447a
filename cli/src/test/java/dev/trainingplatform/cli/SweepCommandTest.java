package dev.trainingplatform.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainingplatform.contract.CancelRequest;
import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.SweepRequest;
import dev.trainingplatform.contract.SweepResult;
import dev.trainingplatform.contract.AvroSerializer;
import dev.trainingplatform.contract.SweepSearch;
import dev.trainingplatform.contract.SweepState;
import dev.trainingplatform.contract.SweepTrial;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.ml.sweep.SweepPlan;
import dev.trainingplatform.ml.sweep.SweepRanking;
import dev.trainingplatform.ml.train.admission.JobLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code platform-cli sweep}, {@code result --sweep} and {@code cancel --sweep} against the real
 * broker; the trainer's side (a RUNNING result, the trials' statuses and metrics, the ranking) is
 * published here as the trainer publishes it.
 */
class SweepCommandTest {

    private final CliHarness harness = new CliHarness();

    @TempDir
    Path dir;

    private Path sweepFile(String id, String search, int maxTrials) throws Exception {
        return Files.writeString(dir.resolve(id + ".yaml"), """
                sweepId: %s
                search: %s
                maxTrials: %d
                seed: 3
                parameters:
                  - name: learningRate
                    min: 0.0001
                    max: 0.1
                    log: true
                  - name: optimizer
                    values: [adam, SGD]
                labels: {team: tabular}
                job:
                  model: {preset: regression-mlp}
                  dataset: {name: synthetic-regression}
                  optimizer: {type: adam, learningRate: 0.001}
                  loss: mse
                  batchSize: 400
                  epochs: 50
                  validation: {fraction: 0.2}
                """.formatted(id, search, maxTrials));
    }

    @Test
    void sweepSendsTheFileCheckedAgainstTheContract() throws Exception {
        String id = "cli-sweep-" + UUID.randomUUID();
        CliHarness.Run run = harness.cliOnBroker("sweep", "--file", sweepFile(id, "random", 4).toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("sweep " + id + " submitted: 4 trials, ranked by validationLoss");

        SweepRequest sent = harness.client.await(Topics.SWEEPS, SweepRequest.class, id, r -> !r.isEmpty(),
                Duration.ofSeconds(30)).get(0);
        assertThat(sent.getSearch()).isEqualTo(SweepSearch.RANDOM);
        assertThat(sent.getParameters()).hasSize(2);
        assertThat(sent.getParameters().get(1).getValues()).containsExactly("adam", "SGD");
        assertThat(sent.getJob().getValidation().getFraction()).isEqualTo(0.2);
        assertThat(sent.getLabels()).containsEntry("team", "tabular");
    }

    @Test
    void aSweepThatCannotBeExpandedIsRefusedBeforeItIsSent() throws Exception {
        String id = "cli-grid-" + UUID.randomUUID();
        Path grid = Files.writeString(dir.resolve("grid.yaml"), Files.readString(sweepFile(id, "grid", 4))
                .replace("min: 0.0001\n    max: 0.1\n    log: true", "values: [0.1, 0.01, 0.001]"));
        CliHarness.Run run = harness.cliOnBroker("sweep", "--file", grid.toString());
        assertThat(run.exitCode()).isEqualTo(CliException.INVALID_INPUT);
        assertThat(run.err()).contains("the grid has more combinations than maxTrials (4): learningRate 3 x optimizer 2");

        Path typo = Files.writeString(dir.resolve("typo.yaml"), Files.readString(sweepFile(id, "random", 4))
                .replace("maxTrials", "maxTrails"));
        CliHarness.Run unknown = harness.cliOnBroker("sweep", "--file", typo.toString());
        assertThat(unknown.exitCode()).isEqualTo(CliException.INVALID_INPUT);
        assertThat(unknown.err()).contains("unknown field 'maxTrails'");
        assertThat(harness.client.readToEnd(Topics.SWEEPS, id)).isEmpty();

        CliHarness.Run dry = harness.cli("sweep", "--file", sweepFile(id, "random", 3).toString(), "--dry-run");
        assertThat(dry.exitCode()).isZero();
        assertThat(dry.out().lines()).hasSize(3).allMatch(l -> l.matches(id + "-trial-\\d \\{.*learningRate=.*optimizer=.*\\}"));
    }

    /** The sweep as the trainer reports it: expanded, trial 1 ended, trial 2 running, trial 3 waiting. */
    private SweepResult halfway(String id) throws Exception {
        SweepRequest request = JobFile.readSweep(sweepFile(id, "random", 3));
        List<SweepPlan.Trial> trials = SweepPlan.expand(request, JobLimits.defaults());
        SweepResult running = SweepRanking.running(request, trials, Instant.now());
        harness.publish(Topics.SWEEP_RESULTS, id, running);
        status(id + "-trial-1", JobState.SUCCEEDED, 2);
        epoch(id + "-trial-1", 1, 0.8);
        epoch(id + "-trial-1", 2, 0.5);
        status(id + "-trial-2", JobState.RUNNING, 1);
        epoch(id + "-trial-2", 1, 0.7);
        return running;
    }

    private void status(String job, JobState state, int epochs) {
        harness.publish(Topics.STATUS, job, JobStatus.newBuilder().setJobId(job).setState(state).setEpochsCompleted(epochs)
                .setTimestamp(Instant.now()).build());
    }

    private void epoch(String job, int epoch, double validationLoss) {
        harness.publish(Topics.METRICS, job, EpochMetrics.newBuilder().setJobId(job).setEpoch(epoch).setTotalEpochs(50)
                .setTrainLoss(1).setTrainSamples(100).setSamplesPerSecond(1).setEpochDurationMs(1).setElapsedMs(1)
                .setEtaMs(1).setTimestamp(Instant.now()).setValidationLoss(validationLoss).build());
    }

    @Test
    void resultOfARunningSweepShowsEachTrialsBestSoFarThenTheRanking() throws Exception {
        String id = "cli-result-" + UUID.randomUUID();
        SweepResult running = halfway(id);

        CliHarness.Run now = harness.cliOnBroker("result", "--sweep", id);
        assertThat(now.exitCode()).isEqualTo(CliException.NOT_FOUND);
        assertThat(now.err()).contains("still runs");
        assertThat(now.out()).contains("sweep " + id + " RUNNING: 1 of 3 trials ended")
                .containsPattern("(?m)^-\\s+1\\s+SUCCEEDED\\s+2\\s+0\\.500000\\s+2 ")
                .containsPattern("(?m)^-\\s+2\\s+RUNNING\\s+1\\s+0\\.700000\\s+1 ")
                .containsPattern("(?m)^-\\s+3\\s+WAITING\\s+0\\s+-\\s+- ");

        status(id + "-trial-2", JobState.SUCCEEDED, 2);
        epoch(id + "-trial-2", 2, 0.3);
        status(id + "-trial-3", JobState.FAILED, 0);
        SweepResult ranked = SweepRanking.now(running, job -> Optional.ofNullable(
                        harness.client.await(Topics.STATUS, JobStatus.class, job, s -> !s.isEmpty(), Duration.ofSeconds(30))
                                .stream().reduce((a, b) -> b).orElseThrow()),
                job -> harness.client.readToEnd(Topics.METRICS, job).stream()
                        .map(r -> dev.trainingplatform.contract.AvroCodec.of(EpochMetrics.class).decode(r.value())).toList(),
                Instant.now());
        harness.publish(Topics.SWEEP_RESULTS, id, ranked);

        CliHarness.Run done = harness.cliOnBroker("result", "--sweep", id);
        assertThat(done.exitCode()).as(done.err()).isZero();
        assertThat(done.out()).contains("sweep " + id + " SUCCEEDED: best: trial 2")
                .containsPattern("(?m)^1\\s+2\\s+SUCCEEDED\\s+2\\s+0\\.300000\\s+2 ")
                .containsPattern("(?m)^2\\s+1\\s+SUCCEEDED\\s+2\\s+0\\.500000\\s+2 ")
                .containsPattern("(?m)^-\\s+3\\s+FAILED ")
                .contains("best trial: " + id + "-trial-2");

        assertThat(harness.cliOnBroker("result", "--sweep", "no-such-sweep-" + UUID.randomUUID()).exitCode())
                .isEqualTo(CliException.NOT_FOUND);
        assertThat(harness.cliOnBroker("result").exitCode()).isEqualTo(CliException.INVALID_INPUT);
    }

    @Test
    void cancellingASweepCancelsTheTrialsThatHaveNotEnded() throws Exception {
        String id = "cli-cancel-" + UUID.randomUUID();
        halfway(id);
        CliHarness.Run run = harness.cliOnBroker("cancel", "--sweep", id);
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("cancel requested for 2 of 3 trials of sweep " + id);
        for (String trial : List.of(id + "-trial-2", id + "-trial-3")) {
            CancelRequest c = harness.client.await(Topics.CANCELLATIONS, CancelRequest.class, trial, r -> !r.isEmpty(),
                    Duration.ofSeconds(30)).get(0);
            assertThat(c.getReason()).isEqualTo("sweep " + id + " cancelled");
        }
        assertThat(harness.client.readToEnd(Topics.CANCELLATIONS, id + "-trial-1")).as("it had ended").isEmpty();
    }

    @Test
    void aWatchedSweepKeepsUpWithTrialsPublishingFasterThanOnePollTakes() throws Exception {
        String id = "cli-fast-" + UUID.randomUUID();
        SweepResult running = halfway(id);
        String trial = id + "-trial-2";
        KafkaSettings kafka = KafkaSettings.of(harness.broker.bootstrapServers(), null, Duration.ofSeconds(10), Map.of());
        try (SweepProgress progress = new SweepProgress(kafka, id);
             KafkaProducer<String, SpecificRecord> producer = new KafkaProducer<>(Map.of(
                     "bootstrap.servers", harness.broker.bootstrapServers()), new StringSerializer(), new AvroSerializer<>())) {
            assertThat(progress.now(running).getTrials().get(1).getEpochsCompleted()).isEqualTo(1);
            // Between two redraws, trainers publish more epochs than one poll returns (500).
            for (int e = 2; e <= 1201; e++) {
                producer.send(new ProducerRecord<>(Topics.METRICS, trial, EpochMetrics.newBuilder().setJobId(trial)
                        .setEpoch(e).setTotalEpochs(2000).setTrainLoss(1).setTrainSamples(100).setSamplesPerSecond(1)
                        .setEpochDurationMs(1).setElapsedMs(1).setEtaMs(1).setTimestamp(Instant.now())
                        .setValidationLoss(1.0 / e).build()));
            }
            producer.flush();
            SweepTrial seen = progress.now(running).getTrials().get(1);
            assertThat(seen.getEpochsCompleted()).isEqualTo(1201);
            assertThat(seen.getBestEpoch()).isEqualTo(1201);
        }
        harness.publish(Topics.SWEEP_RESULTS, id, SweepResult.newBuilder(running).setState(SweepState.CANCELLED)
                .setMessage("no trial measured validationLoss").build());
        CliHarness.Run watched = harness.cliOnBroker("watch", "--sweep", id);
        assertThat(watched.exitCode()).isEqualTo(CliException.JOB_FAILED);
        assertThat(watched.out()).startsWith("sweep " + id + " CANCELLED: no trial measured validationLoss");
    }
}
