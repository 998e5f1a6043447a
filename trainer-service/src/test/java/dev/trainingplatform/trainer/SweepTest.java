package dev.trainingplatform.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainingplatform.contract.AvroCodec;
import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.ReferenceWorkloads;
import dev.trainingplatform.contract.SweepParameter;
import dev.trainingplatform.contract.SweepRequest;
import dev.trainingplatform.contract.SweepResult;
import dev.trainingplatform.contract.SweepSearch;
import dev.trainingplatform.contract.SweepState;
import dev.trainingplatform.contract.SweepTrial;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.contract.ValidationSplit;
import dev.trainingplatform.testkafka.ContractClient;
import dev.trainingplatform.testkafka.KafkaBroker;
import dev.trainingplatform.testkafka.KafkaBrokerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Sweeps against the real broker: a request expanded into its trials once, the trials run as jobs,
 * the ranking published when the last one ends; bad requests refused with the field named, without
 * stopping the expander.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
class SweepTest {

    static final Duration WAIT = Duration.ofSeconds(180);
    static final AvroCodec<SweepRequest> REQUESTS = AvroCodec.of(SweepRequest.class);

    ContractClient client = new ContractClient(KafkaBroker.shared().bootstrapServers());

    /** A short regression job with a validation split: seconds per trial. */
    static TrainingJob base() {
        return ReferenceWorkloads.named("regression").job("base").setTestEveryEpoch(false).setEpochs(3)
                .setValidation(ValidationSplit.newBuilder().setFraction(0.2).build()).build();
    }

    static SweepRequest.Builder sweep(String id) {
        return SweepRequest.newBuilder().setSweepId(id).setJob(base()).setSearch(SweepSearch.GRID).setMaxTrials(3)
                .setLabels(Map.of("team", "tabular"))
                .setParameters(List.of(SweepParameter.newBuilder().setName("learningRate")
                        .setValues(List.of(0.1, 0.01, 0.0001)).build()));
    }

    private void publish(SweepRequest request) {
        client.send(Topics.SWEEPS, request.getSweepId(), REQUESTS.encode(request));
    }

    private List<SweepResult> results(String sweepId, java.util.function.Predicate<List<SweepResult>> done) {
        return client.await(Topics.SWEEP_RESULTS, SweepResult.class, sweepId, done, WAIT);
    }

    private static boolean ranked(List<SweepResult> r) {
        return r.stream().anyMatch(x -> x.getState() != SweepState.RUNNING);
    }

    @Test
    void aSweepRunsItsTrialsAsJobsAndRanksThemWhenTheLastEnds() {
        String id = "sweep-" + UUID.randomUUID();
        publish(sweep(id).build());

        List<SweepResult> results = results(id, SweepTest::ranked);
        SweepResult running = results.get(0);
        assertThat(running.getState()).isEqualTo(SweepState.RUNNING);
        assertThat(running.getTrials()).extracting(SweepTrial::getJobId)
                .containsExactly(id + "-trial-1", id + "-trial-2", id + "-trial-3");
        assertThat(running.getTrials()).extracting(t -> t.getHyperparameters().get("learningRate"))
                .containsExactly("0.1", "0.01", "0.0001");

        // Each trial is an ordinary job on the queue, once, labelled with its sweep.
        List<TrainingJob> queued = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : client.readToEnd(Topics.JOBS, null)) {
            if (r.key() != null && r.key().startsWith(id)) {
                queued.add(AvroCodec.of(TrainingJob.class).decode(r.value()));
            }
        }
        assertThat(queued).extracting(TrainingJob::getJobId)
                .containsExactlyInAnyOrder(id + "-trial-1", id + "-trial-2", id + "-trial-3");
        assertThat(queued).allSatisfy(j -> assertThat(j.getLabels())
                .containsEntry("sweep", id).containsEntry("team", "tabular").containsKey("sweep.trial"));

        SweepResult last = results.get(results.size() - 1);
        assertThat(results).filteredOn(r -> r.getState() != SweepState.RUNNING).hasSize(1);
        assertThat(last.getState()).isEqualTo(SweepState.SUCCEEDED);
        assertThat(last.getTrials()).allSatisfy(t -> {
            assertThat(t.getState()).isEqualTo(JobState.SUCCEEDED);
            assertThat(t.getEpochsCompleted()).isEqualTo(3);
        });
        // The ranking is the trials' own validation losses, lowest first, each its best epoch's.
        Map<String, Double> bestLoss = new java.util.HashMap<>();
        for (SweepTrial t : last.getTrials()) {
            List<EpochMetrics> m = client.await(Topics.METRICS, EpochMetrics.class, t.getJobId(), x -> x.size() >= 3, WAIT);
            double best = m.stream().mapToDouble(EpochMetrics::getValidationLoss).min().orElseThrow();
            assertThat(t.getBestValue()).as(t.getJobId()).isEqualTo(best);
            bestLoss.put(t.getJobId(), best);
        }
        assertThat(last.getTrials()).extracting(SweepTrial::getRank).containsExactly(1, 2, 3);
        assertThat(last.getTrials()).extracting(SweepTrial::getBestValue).isSorted();
        assertThat(last.getBestJobId()).isEqualTo(last.getTrials().get(0).getJobId())
                .isEqualTo(bestLoss.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow().getKey());
        assertThat(last.getMessage()).startsWith("best: trial ");
    }

    @Test
    void badRequestsAreRefusedNamingTheFieldAndTheExpanderGoesOn() {
        String garbage = "garbage-" + UUID.randomUUID();
        client.send(Topics.SWEEPS, garbage, "{not avro".getBytes(StandardCharsets.UTF_8));
        String empty = "empty-" + UUID.randomUUID();
        publish(sweep(empty).setParameters(List.of(SweepParameter.newBuilder().setName("learningRate").build())).build());
        String overBudget = "grid-" + UUID.randomUUID();
        publish(sweep(overBudget).setMaxTrials(2).build());
        String oversized = "big-" + UUID.randomUUID();
        client.send(Topics.SWEEPS, oversized, new byte[1_000_000]);
        String good = "after-" + UUID.randomUUID();
        publish(sweep(good).setParameters(List.of(SweepParameter.newBuilder().setName("learningRate")
                .setValues(List.of(0.01)).build())).setMaxTrials(1).build());

        SweepResult g = results(garbage, r -> !r.isEmpty()).get(0);
        assertThat(g.getState()).isEqualTo(SweepState.FAILED);
        assertThat(g.getErrorCode()).isEqualTo(ErrorCode.INVALID_JOB);
        assertThat(g.getMessage()).contains("could not be read as a SweepRequest").contains("training.jobs.dlq");
        assertThat(client.awaitRecords(Topics.JOBS_DLQ, garbage, r -> !r.isEmpty(), WAIT).get(0).value())
                .asString(StandardCharsets.UTF_8).isEqualTo("{not avro");

        SweepResult e = results(empty, r -> !r.isEmpty()).get(0);
        assertThat(e.getState()).isEqualTo(SweepState.FAILED);
        assertThat(e.getErrorCode()).isEqualTo(ErrorCode.INVALID_HYPERPARAMETER);
        assertThat(e.getMessage()).startsWith("parameters[0] (learningRate): no values and no range");

        SweepResult b = results(overBudget, r -> !r.isEmpty()).get(0);
        assertThat(b.getErrorCode()).isEqualTo(ErrorCode.LIMIT_EXCEEDED);
        assertThat(b.getMessage()).startsWith("the grid has more combinations than maxTrials (2): learningRate 3");

        SweepResult o = results(oversized, r -> !r.isEmpty()).get(0);
        assertThat(o.getErrorCode()).isEqualTo(ErrorCode.LIMIT_EXCEEDED);
        assertThat(o.getMessage()).contains("1000000 bytes").contains("by reference");

        // None of them ran a trial; the request after them was expanded.
        for (String refused : List.of(garbage, empty, overBudget, oversized)) {
            assertThat(client.readToEnd(Topics.STATUS, refused + "-trial-1")).as(refused).isEmpty();
        }
        List<SweepResult> after = results(good, SweepTest::ranked);
        assertThat(after.get(after.size() - 1).getState()).isEqualTo(SweepState.SUCCEEDED);
    }

    @Test
    void aSweepIdNamesOneSweepARepeatedRequestAddsNoTrials() {
        String id = "twice-" + UUID.randomUUID();
        SweepRequest request = sweep(id).setParameters(List.of(SweepParameter.newBuilder().setName("learningRate")
                .setValues(List.of(0.01)).build())).setMaxTrials(1).build();
        publish(request);
        results(id, SweepTest::ranked);
        publish(request);
        // A marker sweep published after the repeat, on its partition (the shared broker's topics have
        // 2): once the marker is expanded, the repeat has been handled.
        String marker;
        do {
            marker = "marker-" + UUID.randomUUID();
        } while (Topics.partitionOf(marker, 2) != Topics.partitionOf(id, 2));
        publish(sweep(marker).setParameters(request.getParameters()).setMaxTrials(1).build());
        results(marker, r -> !r.isEmpty());

        assertThat(client.readToEnd(Topics.SWEEP_RESULTS, id)).hasSize(2); // RUNNING, SUCCEEDED: nothing new
        long queued = client.readToEnd(Topics.JOBS, null).stream().filter(r -> (id + "-trial-1").equals(r.key())).count();
        assertThat(queued).isEqualTo(1);
    }
}
