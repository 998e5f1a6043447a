package dev.trainingplatform.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainingplatform.contract.AvroSerializer;
import dev.trainingplatform.contract.CancelRequest;
import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.EvaluationResult;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.contract.OptimizerSpec;
import dev.trainingplatform.contract.OptimizerType;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.testkafka.ContractClient;
import dev.trainingplatform.testkafka.KafkaBroker;
import dev.trainingplatform.testkafka.KafkaBrokerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/** The dashboard's API against a real broker: what the pages read and the one thing they write. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
class DashboardTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final ContractClient client = new ContractClient(KafkaBroker.shared().bootstrapServers());
    private final HttpClient http = HttpClient.newHttpClient();

    @TestHTTPResource("/")
    URL root;

    @Test
    void theJobListShowsEachJobsLatestStateAndProgressAndFiltersByStateAndLabel() throws Exception {
        String vision = "dash-" + UUID.randomUUID();
        String other = "dash-" + UUID.randomUUID();
        submit(vision, Map.of("team", "vision"));
        submit(other, Map.of("team", "text"));
        status(vision, JobState.QUEUED);
        status(vision, JobState.RUNNING);
        epoch(vision, 1, 3);
        status(other, JobState.FAILED);

        JsonNode job = awaitJob(vision, j -> j.path("epoch").asInt() == 1);
        assertThat(job.path("state").asText()).isEqualTo("RUNNING");
        assertThat(job.path("totalEpochs").asInt()).isEqualTo(3);
        assertThat(job.path("etaMs").asLong()).isEqualTo(4000);
        assertThat(job.path("labels").path("team").asText()).isEqualTo("vision");

        assertThat(ids(get("api/jobs?label=team%3Dvision"))).contains(vision).doesNotContain(other);
        assertThat(ids(get("api/jobs?label=team"))).contains(vision, other);
        assertThat(ids(get("api/jobs?state=FAILED"))).contains(other).doesNotContain(vision);
    }

    @Test
    void aJobsEventsAreItsHistoryThenEachNewRecordOnce() throws Exception {
        String id = "dash-" + UUID.randomUUID();
        submit(id, Map.of());
        status(id, JobState.RUNNING);
        epoch(id, 1, 2);
        awaitJob(id, j -> j.path("epoch").asInt() == 1);

        try (Events events = events(id)) {
            List<JsonNode> history = events.take(3);
            assertThat(history).extracting(e -> e.path("type").asText()).containsExactly("submitted", "status", "epoch");
            epoch(id, 2, 2);
            status(id, JobState.SUCCEEDED);
            publish(Topics.EVALUATIONS, id, EvaluationResult.newBuilder().setJobId(id).setCheckpointId(id + "/epoch-2")
                    .setEpoch(2).setFinalCheckpoint(true).setNumSamples(10).setTestAccuracy(0.9)
                    .setClassNames(List.of("a", "b")).setConfusionMatrix(List.of(List.of(5L, 0L), List.of(1L, 4L)))
                    .setTimestamp(Instant.now()).build());
            List<JsonNode> live = events.take(3);
            assertThat(live).extracting(e -> e.path("type").asText()).containsExactly("epoch", "status", "evaluation");
            assertThat(live.get(0).path("data").path("epoch").asInt()).isEqualTo(2);
            assertThat(live.get(2).path("data").path("confusionMatrix").get(1).get(1).asLong()).isEqualTo(4);
            assertThat(live.get(2).path("data").path("testAccuracy").asDouble()).isEqualTo(0.9);
            assertThat(events.poll(Duration.ofSeconds(2))).as("nothing twice").isNull();
        }
    }

    @Test
    void theCancelActionPublishesACancelRequestForTheJob() throws Exception {
        String id = "dash-" + UUID.randomUUID();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(root.toURI().resolve("api/jobs/" + id + "/cancel"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        List<CancelRequest> requests = client.await(Topics.CANCELLATIONS, CancelRequest.class, id, r -> !r.isEmpty(),
                Duration.ofSeconds(30));
        assertThat(requests.get(0).getJobId()).isEqualTo(id);
        assertThat(JSON.readTree(get("api/settings")).path("cancelEnabled").asBoolean()).isTrue();
    }

    @jakarta.inject.Inject
    DashboardConfig config;

    @Test
    void hostileRecordsOnTheTopicsAreSkippedAndTheNextJobIsListed() throws Exception {
        String garbage = "dash-garbage-" + UUID.randomUUID();
        client.send(Topics.JOBS, garbage, "not avro".getBytes(StandardCharsets.UTF_8));
        client.send(Topics.STATUS, garbage, new byte[] {(byte) 0xC3, 0x01, 1, 2, 3});
        client.send(Topics.METRICS, garbage, new byte[0]);
        // Over the contract's 900 KiB for a job: not decoded, as the trainer does not decode it either.
        byte[] big = new byte[dev.trainingplatform.contract.ContractLimits.MAX_JOB_RECORD_BYTES + 1];
        big[0] = (byte) 0xC3;
        big[1] = 0x01;
        client.send(Topics.JOBS, "dash-big-" + UUID.randomUUID(), big);
        String next = "dash-" + UUID.randomUUID();
        submit(next, Map.of());
        status(next, JobState.QUEUED);
        assertThat(awaitJob(next, j -> j.path("state").asText().equals("QUEUED")).path("totalEpochs").asInt())
                .isEqualTo(3);
        assertThat(ids(get("api/jobs"))).noneMatch(id -> id.startsWith("dash-garbage-") || id.startsWith("dash-big-"));
        assertThat(get("q/health/ready")).contains("UP");
    }

    @Test
    void aCancelOfAJobIdLongerThanTheContractAllowsIsRefused() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(root.toURI().resolve("api/jobs/" + "x".repeat(201)
                + "/cancel")).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(400);
    }

    @Test
    void theTopicsTheConfigurationDeclaresAreTheOnesItReads() {
        // The Kubernetes manifests' tests grant the dashboard's KafkaUser what dashboard.reads lists.
        assertThat(config.reads()).containsExactlyElementsOf(JobRecords.TOPICS);
    }

    @Test
    void thePagesAndTheChartLibraryAreServedByTheAppItself() throws Exception {
        assertThat(get("index.html")).contains("<table id=\"jobs\"");
        assertThat(get("job.html")).contains("webjars/echarts/5.3.1/dist/echarts.min.js").doesNotContain("https://");
        assertThat(get("webjars/echarts/5.3.1/dist/echarts.min.js")).contains("echarts");
        assertThat(get("q/health/ready")).contains("UP");
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private void submit(String id, Map<String, String> labels) {
        publish(Topics.JOBS, id, TrainingJob.newBuilder().setJobId(id)
                .setModel(ModelSpec.newBuilder().setPreset("fashion-mnist-mlp").build())
                .setDataset(DatasetSpec.newBuilder().setName("fashion-mnist").build())
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(1e-3).build())
                .setBatchSize(32).setEpochs(3).setLabels(labels).build());
    }

    private void status(String id, JobState state) {
        publish(Topics.STATUS, id, JobStatus.newBuilder().setJobId(id).setState(state).setTimestamp(Instant.now()).build());
    }

    private void epoch(String id, int epoch, int total) {
        publish(Topics.METRICS, id, EpochMetrics.newBuilder().setJobId(id).setEpoch(epoch).setTotalEpochs(total)
                .setTrainLoss(1.0 / epoch).setTrainAccuracy(0.5 + 0.1 * epoch).setTrainSamples(100)
                .setSamplesPerSecond(1000).setEpochDurationMs(1000).setElapsedMs(1000L * epoch)
                .setEtaMs(1000L * (total - epoch) * 2).setTimestamp(Instant.now()).build());
    }

    private void publish(String topic, String key, SpecificRecord value) {
        client.send(topic, key, new AvroSerializer<SpecificRecord>().serialize(topic, value));
    }

    private String get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(root.toURI().resolve(path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return r.body();
    }

    private static List<String> ids(String jobs) throws Exception {
        List<String> ids = new ArrayList<>();
        JSON.readTree(jobs).forEach(j -> ids.add(j.path("jobId").asText()));
        return ids;
    }

    private JsonNode awaitJob(String id, java.util.function.Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            for (JsonNode j : JSON.readTree(get("api/jobs"))) {
                if (j.path("jobId").asText().equals(id) && done.test(j)) {
                    return j;
                }
            }
            assertThat(System.nanoTime()).as("job " + id + " in the list").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** A job page's event stream, read on a thread of its own. */
    private Events events(String id) throws Exception {
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(root.toURI().resolve("api/jobs/" + id + "/events"))
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        return new Events(r.body());
    }

    private static final class Events implements AutoCloseable {
        private final InputStream in;
        private final BlockingQueue<JsonNode> received = new ArrayBlockingQueue<>(1000);

        Events(InputStream in) {
            this.in = in;
            Thread reader = new Thread(() -> {
                try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    for (String line; (line = lines.readLine()) != null; ) {
                        if (line.startsWith("data:")) {
                            received.add(JSON.readTree(line.substring(5)));
                        }
                    }
                } catch (Exception closed) {
                    // the test closed the stream
                }
            });
            reader.setDaemon(true);
            reader.start();
        }

        List<JsonNode> take(int n) throws InterruptedException {
            List<JsonNode> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                JsonNode e = received.poll(30, TimeUnit.SECONDS);
                assertThat(e).as("event " + (i + 1) + " of " + n + " after " + out).isNotNull();
                out.add(e);
            }
            return out;
        }

        JsonNode poll(Duration d) throws InterruptedException {
            return received.poll(d.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() throws Exception {
            in.close();
        }
    }
}
