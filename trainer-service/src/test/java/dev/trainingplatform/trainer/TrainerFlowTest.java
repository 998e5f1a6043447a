package dev.trainingplatform.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainingplatform.contract.Checkpoint;
import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.Layer;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.contract.OptimizerSpec;
import dev.trainingplatform.contract.OptimizerType;
import dev.trainingplatform.contract.ResumePoint;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.ml.checkpoint.Sha256;
import dev.trainingplatform.ml.model.Presets;
import dev.trainingplatform.ml.testdata.FashionMnistFiles;
import dev.trainingplatform.testkafka.ContractClient;
import dev.trainingplatform.testkafka.KafkaBroker;
import dev.trainingplatform.testkafka.KafkaBrokerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The trainer against a real broker: jobs in as Avro bytes, status, metrics and checkpoints out. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
class TrainerFlowTest {

    static final Duration WAIT = Duration.ofSeconds(120);
    static Path data;

    ContractClient client = new ContractClient(KafkaBroker.shared().bootstrapServers());

    @BeforeAll
    static void generateData() throws Exception {
        // Under the allowed root configured for tests (java.io.tmpdir).
        data = FashionMnistFiles.write(Files.createTempDirectory("fm-trainer"), 300, 80, true);
    }

    static TrainingJob.Builder job() {
        return TrainingJob.newBuilder()
                .setJobId("job-" + UUID.randomUUID())
                .setModel(ModelSpec.newBuilder().setPreset("fashion-mnist-mlp").build())
                .setDataset(DatasetSpec.newBuilder().setName("fashion-mnist").setLocation(data.toString()).build())
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(1e-3).build())
                .setBatchSize(32)
                .setEpochs(3);
    }

    private JobStatus terminal(String jobId) {
        List<JobStatus> statuses = client.await(Topics.STATUS, JobStatus.class, jobId,
                s -> !s.isEmpty() && isTerminal(s.get(s.size() - 1).getState()), WAIT);
        return statuses.get(statuses.size() - 1);
    }

    private static boolean isTerminal(JobState s) {
        return s == JobState.SUCCEEDED || s == JobState.FAILED || s == JobState.CANCELLED;
    }

    @Test
    void aJobWrittenByAVersion1ClientStillTrains() {
        // A client built before TrainingJob v2 (no validation field) sends the v1 bytes.
        TrainingJob job = job().setEpochs(1).build();
        byte[] v1 = dev.trainingplatform.contract.SchemaHistory.encodeAs(job, 1);
        assertThat(java.nio.ByteBuffer.wrap(v1, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong())
                .isEqualTo(0x4099dc5bf089a2d1L);
        client.send(Topics.JOBS, job.getJobId(), v1);
        assertThat(terminal(job.getJobId()).getState()).isEqualTo(JobState.SUCCEEDED);
        assertThat(client.await(Topics.METRICS, EpochMetrics.class, job.getJobId(), m -> !m.isEmpty(), WAIT))
                .singleElement().satisfies(m -> assertThat(m.getValidationLoss()).isNull());
    }

    @Test
    void aValidationSplitIsHeldOutAndMeasuredEveryEpoch() {
        TrainingJob job = job().setEpochs(2)
                .setValidation(dev.trainingplatform.contract.ValidationSplit.newBuilder().setCount(60).build()).build();
        client.submit(job);
        assertThat(terminal(job.getJobId()).getState()).isEqualTo(JobState.SUCCEEDED);
        List<EpochMetrics> metrics = client.await(Topics.METRICS, EpochMetrics.class, job.getJobId(),
                m -> m.size() >= 2, WAIT);
        assertThat(metrics).allSatisfy(m -> {
            assertThat(m.getTrainSamples()).isEqualTo(300 - 60);
            assertThat(m.getValidationLoss()).isNotNull().isPositive();
            assertThat(m.getValidationAccuracy()).isBetween(0.0, 1.0);
            assertThat(m.getLearningRate()).isEqualTo(job.getOptimizer().getLearningRate());
        });
    }

    @Test
    void aJobProducesRunningEpochMetricsACheckpointAndSucceeded() {
        TrainingJob job = job().setTestEveryEpoch(true).build();
        client.submit(job);

        List<JobStatus> statuses = client.await(Topics.STATUS, JobStatus.class, job.getJobId(),
                s -> s.stream().anyMatch(x -> isTerminal(x.getState())), WAIT);
        assertThat(statuses).extracting(JobStatus::getState)
                .containsExactly(JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED);
        assertThat(statuses.get(2).getEpochsCompleted()).isEqualTo(3);

        List<EpochMetrics> metrics = client.await(Topics.METRICS, EpochMetrics.class, job.getJobId(),
                m -> m.size() >= 3, WAIT);
        assertThat(metrics).extracting(EpochMetrics::getEpoch).containsExactly(1, 2, 3);
        assertThat(metrics).allSatisfy(m -> {
            assertThat(m.getTotalEpochs()).isEqualTo(3);
            assertThat(m.getTrainSamples()).isEqualTo(300);
            assertThat(m.getSamplesPerSecond()).isPositive();
            assertThat(m.getTestAccuracy()).isNotNull();
        });
        assertThat(metrics.get(2).getTrainLoss()).isLessThan(metrics.get(0).getTrainLoss());
        assertThat(metrics.get(2).getEtaMs()).isZero();

        List<Checkpoint> checkpoints = client.await(Topics.CHECKPOINTS, Checkpoint.class, job.getJobId(),
                c -> !c.isEmpty(), WAIT);
        assertThat(checkpoints).hasSize(1);
        Checkpoint c = checkpoints.get(0);
        assertThat(c.getFinalCheckpoint()).isTrue();
        assertThat(c.getEpoch()).isEqualTo(3);
        assertThat(c.getParameterCount()).isEqualTo(101_770);
        assertThat(c.getModel().getLayers()).extracting(Layer::getType)
                .containsExactly("rescale", "flatten", "dense", "relu", "dense");
        ByteBuffer params = c.getParameters();
        byte[] bytes = new byte[params.remaining()];
        params.duplicate().get(bytes);
        assertThat(Sha256.of(bytes)).isEqualTo(c.getParametersSha256());
    }

    @io.quarkus.test.common.http.TestHTTPResource("/q/metrics")
    java.net.URI metricsUri;

    @io.quarkus.test.common.http.TestHTTPResource("/q/health/ready")
    java.net.URI readyUri;

    @io.quarkus.test.common.http.TestHTTPResource("/q/health/live")
    java.net.URI liveUri;

    private static java.net.http.HttpResponse<String> get(java.net.URI uri) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(uri).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    private double metric(String name) throws Exception {
        return sample(get(metricsUri).body(), name);
    }

    private static double sample(String metrics, String line) {
        return metrics.lines().filter(l -> l.startsWith(line)).mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst().orElse(0);
    }

    @Test
    void metricsCountJobsEpochsAndSamplesWithoutPerJobLabels() throws Exception {
        String before = get(metricsUri).body();
        TrainingJob job = job().setEpochs(2).build();
        client.submit(job);
        assertThat(terminal(job.getJobId()).getState()).isEqualTo(JobState.SUCCEEDED);
        TrainingJob again = job().setEpochs(1).build(); // the same data set: the kept one, not read again
        client.submit(again);
        assertThat(terminal(again.getJobId()).getState()).isEqualTo(JobState.SUCCEEDED);
        TrainingJob bad = job().setEpochs(0).build();
        client.submit(bad);
        assertThat(terminal(bad.getJobId()).getState()).isEqualTo(JobState.FAILED);

        var response = get(metricsUri);
        assertThat(response.statusCode()).isEqualTo(200);
        String after = response.body();
        String succeeded = "trainer_jobs_total{error=\"none\",outcome=\"succeeded\"}";
        assertThat(sample(after, succeeded) - sample(before, succeeded)).isEqualTo(2.0);
        assertThat(sample(after, "trainer_data_reused_total") - sample(before, "trainer_data_reused_total"))
                .isGreaterThanOrEqualTo(1.0);
        String failed = "trainer_jobs_total{error=\"INVALID_HYPERPARAMETER\",outcome=\"failed\"}";
        assertThat(sample(after, failed) - sample(before, failed)).isEqualTo(1.0);
        assertThat(sample(after, "trainer_samples_trained_total") - sample(before, "trainer_samples_trained_total"))
                .isEqualTo(900.0);
        assertThat(sample(after, "trainer_epoch_duration_seconds_count")
                - sample(before, "trainer_epoch_duration_seconds_count")).isEqualTo(3.0);
        assertThat(after).contains("trainer_job_progress").doesNotContain(job.getJobId());
        // The autoscaler's input: one series per queue, read from the share group (nothing waits now).
        for (String queue : List.of("high", "normal", "low")) {
            assertThat(after).containsPattern("(?m)^trainer_queue_depth\\{queue=\"" + queue + "\"} 0\\.0$");
        }
    }

    @jakarta.inject.Inject
    TrainerWarmUp warmUp;

    @Test
    void theTrainerWarmedUpBeforeTakingJobs() {
        // One epoch of a small model at start-up: libtorch loaded before the first job arrives.
        assertThat(warmUp.tookMs()).isNotNegative();
    }

    @Test
    void readinessChecksKafkaAndLivenessReportsTrainingProgress() throws Exception {
        var ready = get(readyUri);
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("Kafka connection health check").contains("\"status\": \"UP\"");
        var live = get(liveUri);
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.body()).contains("trainer progress");
    }

    private void cancel(String jobId) {
        client.send(Topics.CANCELLATIONS, jobId, dev.trainingplatform.contract.AvroCodec.of(
                dev.trainingplatform.contract.CancelRequest.class).encode(dev.trainingplatform.contract.CancelRequest
                .newBuilder().setJobId(jobId).setReason("test").setRequestedAt(java.time.Instant.now()).build()));
    }

    @Test
    void aCancelRequestStopsARunningJobWithinABatchAndTheNextJobStillCompletes() {
        TrainingJob job = job().setEpochs(5000).build();
        client.submit(job);
        client.await(Topics.METRICS, EpochMetrics.class, job.getJobId(), m -> !m.isEmpty(), WAIT);
        cancel(job.getJobId());

        JobStatus last = terminal(job.getJobId());
        assertThat(last.getState()).isEqualTo(JobState.CANCELLED);
        assertThat(last.getEpochsCompleted()).isBetween(1, 4999);
        assertThat(last.getMessage()).contains("cancelled after");
        // No checkpoint for a cancelled job: it never reached its final epoch.
        assertThat(client.readToEnd(Topics.CHECKPOINTS, job.getJobId())).isEmpty();

        TrainingJob next = job().setEpochs(1).build();
        client.submit(next);
        assertThat(terminal(next.getJobId()).getState()).isEqualTo(JobState.SUCCEEDED);
    }

    @Test
    void aJobCancelledBeforeItStartsNeverRuns() throws Exception {
        TrainingJob job = job().build();
        double seen = metric("trainer_cancel_requests_total");
        cancel(job.getJobId());
        // The job goes in only once the trainer has read the cancel, so the test does not race it.
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (metric("trainer_cancel_requests_total") <= seen) {
            assertThat(System.nanoTime()).as("trainer read the cancel request").isLessThan(deadline);
            Thread.sleep(100);
        }
        client.submit(job);

        JobStatus last = terminal(job.getJobId());
        assertThat(last.getState()).isEqualTo(JobState.CANCELLED);
        assertThat(last.getMessage()).isEqualTo("cancelled before it started");
        assertThat(client.await(Topics.STATUS, JobStatus.class, job.getJobId(), s -> true, WAIT))
                .extracting(JobStatus::getState).doesNotContain(JobState.RUNNING);
        assertThat(client.readToEnd(Topics.METRICS, job.getJobId())).isEmpty();
    }

    @Test
    void aRedeliveredRecordOfAFinishedJobDoesNotTrainItAgain() throws Exception {
        TrainingJob job = job().setEpochs(1).build();
        client.submit(job);
        assertThat(terminal(job.getJobId()).getState()).isEqualTo(JobState.SUCCEEDED);

        double ignored = metric("trainer_redeliveries_ignored_total");
        client.submit(job); // the same record again, as after a crash before the offset commit
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (metric("trainer_redeliveries_ignored_total") <= ignored) {
            assertThat(System.nanoTime()).as("the trainer saw the redelivered record").isLessThan(deadline);
            Thread.sleep(100);
        }
        assertThat(client.readToEnd(Topics.STATUS, job.getJobId())).hasSize(3);
        assertThat(client.readToEnd(Topics.METRICS, job.getJobId())).hasSize(1);
        assertThat(client.readToEnd(Topics.CHECKPOINTS, job.getJobId())).hasSize(1);
    }

    private void status(String jobId, JobState state, int attempt) {
        client.send(Topics.STATUS, jobId, dev.trainingplatform.contract.AvroCodec.of(JobStatus.class).encode(
                JobStatus.newBuilder().setJobId(jobId).setState(state).setAttempt(attempt).setEpochsCompleted(2)
                        .setInstance("a-trainer-that-died").setTimestamp(java.time.Instant.now()).build()));
    }

    @Test
    void anInterruptedJobRunsAgainAsItsNextAttemptWithAttemptKeyedEvents() {
        TrainingJob job = job().setEpochs(2).build();
        status(job.getJobId(), JobState.RUNNING, 1); // a trainer took it and died mid-run
        client.submit(job);
        JobStatus last = terminal(job.getJobId());
        assertThat(last.getState()).isEqualTo(JobState.SUCCEEDED);
        assertThat(last.getAttempt()).isEqualTo(2);
        assertThat(client.await(Topics.METRICS, EpochMetrics.class, job.getJobId(), m -> m.size() >= 2, WAIT))
                .extracting(EpochMetrics::getAttempt).containsOnly(2);
        assertThat(client.await(Topics.CHECKPOINTS, Checkpoint.class, job.getJobId(), c -> !c.isEmpty(), WAIT).get(0)
                .getCheckpointId()).isEqualTo(job.getJobId() + "/attempt-2/epoch-2");
    }

    private static final dev.trainingplatform.contract.AvroCodec<ResumePoint> RESUME =
            dev.trainingplatform.contract.AvroCodec.of(ResumePoint.class);

    private static byte[] finalParameters(List<Checkpoint> checkpoints) {
        ByteBuffer params = checkpoints.stream().filter(Checkpoint::getFinalCheckpoint).findFirst().orElseThrow()
                .getParameters().duplicate();
        byte[] bytes = new byte[params.remaining()];
        params.get(bytes);
        return bytes;
    }

    private static List<Layer> resumableLayers(double dropout) {
        return List.of(
                Presets.layer("flatten"),
                Presets.layer("dense", "units", 32L),
                Presets.layer("relu"),
                Presets.layer("dropout", "rate", dropout),
                Presets.layer("dense", "units", 10L));
    }

    private static TrainingJob.Builder resumableJob() {
        // Dropout and shuffled batches: the random streams and the data order must be restored too.
        return job().setEpochs(4).setSeed(11)
                .setModel(ModelSpec.newBuilder().setLayers(resumableLayers(0.2)).build())
                .setCheckpoint(dev.trainingplatform.contract.CheckpointPolicy.newBuilder().setEveryEpochs(2).build());
    }

    @Test
    void anInterruptedJobResumesFromItsLatestResumePointWithItsLayersAndEndsAsTheUninterruptedRunDid() {
        // The uninterrupted run: a resume point after epoch 2 (its checkpoint), a tombstone at the end.
        TrainingJob whole = resumableJob().build();
        client.submit(whole);
        assertThat(terminal(whole.getJobId()).getState()).isEqualTo(JobState.SUCCEEDED);
        List<ConsumerRecord<String, byte[]>> points = client.readToEnd(Topics.RESUME_POINTS, whole.getJobId());
        assertThat(points).hasSize(2);
        assertThat(points.get(1).value()).as("tombstone once the job ended").isNull();
        ResumePoint afterEpoch2 = RESUME.decode(points.get(0).value());
        assertThat(afterEpoch2.getEpoch()).isEqualTo(2);
        assertThat(afterEpoch2.getModel().getLayers()).as("the layer list the state was saved for")
                .isEqualTo(resumableLayers(0.2));
        List<EpochMetrics> wholeMetrics = client.await(Topics.METRICS, EpochMetrics.class, whole.getJobId(),
                m -> m.size() >= 4, WAIT);

        // The same job under another id, whose first attempt died after saving that resume point, and
        // whose layer list expands otherwise in this trainer (as a preset can in a newer version): it
        // goes on with the layers its state was saved for.
        TrainingJob interrupted = resumableJob().setJobId("job-" + UUID.randomUUID())
                .setModel(ModelSpec.newBuilder().setLayers(resumableLayers(0.5)).build()).build();
        afterEpoch2.setJobId(interrupted.getJobId());
        client.send(Topics.RESUME_POINTS, interrupted.getJobId(), RESUME.encode(afterEpoch2));
        status(interrupted.getJobId(), JobState.RUNNING, 1);
        client.submit(interrupted);

        JobStatus last = terminal(interrupted.getJobId());
        assertThat(last.getState()).isEqualTo(JobState.SUCCEEDED);
        assertThat(last.getAttempt()).isEqualTo(2);
        assertThat(client.readToEnd(Topics.STATUS, interrupted.getJobId()).stream()
                .map(r -> dev.trainingplatform.contract.AvroCodec.of(JobStatus.class).decode(r.value()))
                .filter(st -> st.getState() == JobState.RUNNING && st.getAttempt() == 2))
                .singleElement().satisfies(st -> {
                    assertThat(st.getMessage()).isEqualTo("resumed after epoch 2");
                    assertThat(st.getEpochsCompleted()).isEqualTo(2);
                });
        List<EpochMetrics> resumed = client.await(Topics.METRICS, EpochMetrics.class, interrupted.getJobId(),
                m -> m.size() >= 2, WAIT);
        assertThat(resumed).extracting(EpochMetrics::getEpoch).containsExactly(3, 4);
        assertThat(resumed).extracting(EpochMetrics::getAttempt).containsOnly(2);
        assertThat(resumed).extracting(EpochMetrics::getTrainLoss)
                .containsExactly(wholeMetrics.get(2).getTrainLoss(), wholeMetrics.get(3).getTrainLoss());
        assertThat(resumed).extracting(EpochMetrics::getTestAccuracy)
                .containsExactly(wholeMetrics.get(2).getTestAccuracy(), wholeMetrics.get(3).getTestAccuracy());
        List<Checkpoint> resumedCheckpoints = client.await(Topics.CHECKPOINTS, Checkpoint.class, interrupted.getJobId(),
                c -> c.stream().anyMatch(Checkpoint::getFinalCheckpoint), WAIT);
        assertThat(resumedCheckpoints).allSatisfy(c -> assertThat(c.getModel().getLayers()).isEqualTo(resumableLayers(0.2)));
        assertThat(finalParameters(resumedCheckpoints))
                .isEqualTo(finalParameters(client.await(Topics.CHECKPOINTS, Checkpoint.class, whole.getJobId(),
                        c -> c.stream().anyMatch(Checkpoint::getFinalCheckpoint), WAIT)));
        List<ConsumerRecord<String, byte[]>> after = client.readToEnd(Topics.RESUME_POINTS, interrupted.getJobId());
        assertThat(after.get(after.size() - 1).value()).isNull();
    }

    @Test
    void aResumePointThatCannotBeUsedMeansAFreshStartNotAFailure() {
        ResumePoint.Builder base = ResumePoint.newBuilder().setAttempt(1).setEpoch(1).setParameterCount(101_770)
                .setTimestamp(java.time.Instant.now());
        List<ResumePoint.Builder> broken = List.of(
                // a digest that does not match its bytes
                ResumePoint.newBuilder(base).setState(ByteBuffer.wrap(new byte[] {1, 2, 3})).setStateSha256("00"),
                // bytes whose digest matches but that are no training state
                ResumePoint.newBuilder(base).setState(ByteBuffer.wrap("junk".getBytes(StandardCharsets.UTF_8)))
                        .setStateSha256(Sha256.of("junk".getBytes(StandardCharsets.UTF_8))),
                // a file outside the trainer's resume directory
                ResumePoint.newBuilder(base).setStateUri("file:///etc/passwd").setStateSha256("00"),
                // neither inline bytes nor a file
                ResumePoint.newBuilder(base).setStateSha256("00"));
        List<String> reasons = List.of("SHA-256 does not match", "not a training state", "outside the resume directory",
                "holds no state", "unknown writer schema fingerprint");
        for (int i = 0; i < reasons.size(); i++) {
            String reason = reasons.get(i);
            TrainingJob job = job().setEpochs(2).build();
            byte[] point = i < broken.size()
                    ? RESUME.encode(broken.get(i).setJobId(job.getJobId()).build())
                    // written with a version of the schema this trainer does not know (another fingerprint)
                    : otherSchemaVersion(RESUME.encode(ResumePoint.newBuilder(broken.get(0)).setJobId(job.getJobId()).build()));
            client.send(Topics.RESUME_POINTS, job.getJobId(), point);
            status(job.getJobId(), JobState.RUNNING, 1);
            client.submit(job);
            JobStatus last = terminal(job.getJobId());
            assertThat(last.getState()).as(reason).isEqualTo(JobState.SUCCEEDED);
            assertThat(client.await(Topics.STATUS, JobStatus.class, job.getJobId(),
                    st -> st.stream().anyMatch(x -> isTerminal(x.getState())), WAIT).stream()
                    .filter(st -> st.getState() == JobState.RUNNING && st.getAttempt() == 2)).singleElement()
                    .satisfies(st -> assertThat(st.getMessage()).startsWith("started again from the first epoch")
                            .contains(reason));
            assertThat(client.await(Topics.METRICS, EpochMetrics.class, job.getJobId(), m -> m.size() >= 2, WAIT))
                    .extracting(EpochMetrics::getEpoch).containsExactly(1, 2);
        }
    }

    /** The same record under another writer-schema fingerprint (bytes 2-9 of the single-object encoding). */
    private static byte[] otherSchemaVersion(byte[] encoded) {
        byte[] copy = encoded.clone();
        for (int i = 2; i < 10; i++) {
            copy[i] ^= (byte) 0x5a;
        }
        return copy;
    }

    @Test
    void aJobInterruptedTooOftenIsGivenUpWithTheReason() {
        TrainingJob job = job().build();
        status(job.getJobId(), JobState.RUNNING, 3); // the third attempt died too; the limit is 3
        client.submit(job);
        JobStatus last = terminal(job.getJobId());
        assertThat(last.getState()).isEqualTo(JobState.FAILED);
        assertThat(last.getMessage()).contains("given up after 3 attempts").contains("RUNNING after 2 epochs");
        assertThat(client.readToEnd(Topics.METRICS, job.getJobId())).isEmpty();
    }

    @Test
    void aJobStoppedEarlySucceedsSayingWhyAndItsBestAndLastCheckpointsArePublished() {
        // Nothing improves on epoch 1 by 1e9: the patience of 1 runs out after epoch 2 of 5.
        TrainingJob job = job().setEpochs(5)
                .setValidation(dev.trainingplatform.contract.ValidationSplit.newBuilder().setCount(60).build())
                .setEarlyStopping(new dev.trainingplatform.contract.EarlyStopping("validationLoss", null, 1, 1e9))
                .setCheckpoint(new dev.trainingplatform.contract.CheckpointPolicy(0,
                        new dev.trainingplatform.contract.BestCheckpoint("validationLoss", null)))
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(1e-3)
                        .setSchedule(dev.trainingplatform.contract.LearningRateSchedule.newBuilder()
                                .setType(dev.trainingplatform.contract.ScheduleType.STEP).setGamma(0.5).build()).build())
                .build();
        client.submit(job);
        JobStatus end = terminal(job.getJobId());
        assertThat(end.getState()).isEqualTo(JobState.SUCCEEDED);
        assertThat(end.getEpochsCompleted()).isEqualTo(2);
        assertThat(end.getMessage()).startsWith("stopped early after epoch 2: validation loss did not improve for 1 epoch, best ");
        List<EpochMetrics> metrics = client.await(Topics.METRICS, EpochMetrics.class, job.getJobId(), m -> m.size() >= 2, WAIT);
        assertThat(metrics).extracting(EpochMetrics::getEpoch).containsExactly(1, 2);
        assertThat(metrics).extracting(EpochMetrics::getLearningRate).containsExactly(1e-3, 5e-4);
        // keepBest counts any improvement (early stopping asked for more than 1e9): epoch 2 is best if its loss is lower.
        boolean secondBest = metrics.get(1).getValidationLoss() < metrics.get(0).getValidationLoss();
        assertThat(metrics).extracting(EpochMetrics::getBest).containsExactly(true, secondBest);
        assertThat(metrics.get(0).getStopReason()).isNull();
        assertThat(metrics.get(1).getStopReason()).isEqualTo(end.getMessage());
        List<Checkpoint> checkpoints = client.await(Topics.CHECKPOINTS, Checkpoint.class, job.getJobId(),
                c -> c.size() >= 2, WAIT);
        assertThat(checkpoints).extracting(Checkpoint::getEpoch).containsExactly(1, 2);
        assertThat(checkpoints).extracting(Checkpoint::getBest).containsExactly(true, secondBest);
        assertThat(checkpoints).extracting(Checkpoint::getFinalCheckpoint).containsExactly(false, true);
        assertThat(checkpoints.get(0).getBestMetric()).isEqualTo(metrics.get(0).getValidationLoss());
        assertThat(checkpoints.get(1).getBestMetric()).isEqualTo(secondBest ? metrics.get(1).getValidationLoss() : null);
    }

    @Test
    void checkpointPolicyPublishesEveryNthEpochAndTheLast() {
        TrainingJob job = job().setEpochs(3).setCheckpoint(
                dev.trainingplatform.contract.CheckpointPolicy.newBuilder().setEveryEpochs(2).build()).build();
        client.submit(job);
        assertThat(terminal(job.getJobId()).getState()).isEqualTo(JobState.SUCCEEDED);
        List<Checkpoint> checkpoints = client.await(Topics.CHECKPOINTS, Checkpoint.class, job.getJobId(),
                c -> c.size() >= 2, WAIT);
        assertThat(checkpoints).extracting(Checkpoint::getEpoch).containsExactly(2, 3);
        assertThat(checkpoints).extracting(Checkpoint::getFinalCheckpoint).containsExactly(false, true);
    }

    @Test
    void aMalformedRecordLandsInTheDeadLetterTopicAndTheNextJobStillCompletes() {
        String key = "garbage-" + UUID.randomUUID();
        byte[] garbage = "{\"this\": \"is not avro\"}".getBytes(StandardCharsets.UTF_8);
        client.send(Topics.JOBS, key, garbage);

        List<ConsumerRecord<String, byte[]>> dead = client.awaitRecords(Topics.JOBS_DLQ, key, r -> !r.isEmpty(), WAIT);
        assertThat(dead.get(0).value()).isEqualTo(garbage);
        Header reason = dead.get(0).headers().lastHeader("dead-letter-reason");
        assertThat(reason).isNotNull();
        assertThat(new String(reason.value(), StandardCharsets.UTF_8)).contains("not Avro single-object encoding");

        TrainingJob next = job().setEpochs(1).build();
        client.submit(next);
        assertThat(terminal(next.getJobId()).getState()).isEqualTo(JobState.SUCCEEDED);
    }

    @Test
    void anUnknownLayerFailsTheJobWithItsReason() {
        TrainingJob job = job().setModel(ModelSpec.newBuilder().setLayers(List.of(
                Presets.layer("flatten"), Presets.layer("denseee", "units", 10L))).build()).build();
        client.submit(job);
        JobStatus status = terminal(job.getJobId());
        assertThat(status.getState()).isEqualTo(JobState.FAILED);
        assertThat(status.getErrorCode()).isEqualTo(ErrorCode.UNKNOWN_LAYER);
        assertThat(status.getMessage()).contains("layer 1 (denseee)");
    }

    @Test
    void aNonPositiveBatchSizeFailsTheJob() {
        TrainingJob job = job().setBatchSize(0).build();
        client.submit(job);
        JobStatus status = terminal(job.getJobId());
        assertThat(status.getErrorCode()).isEqualTo(ErrorCode.INVALID_HYPERPARAMETER);
        assertThat(status.getMessage()).contains("batchSize must be positive");
    }

    @Test
    void missingDataFailsTheJob() {
        TrainingJob job = job().setDataset(DatasetSpec.newBuilder().setName("fashion-mnist")
                .setLocation(data.resolve("nowhere").toString()).build()).build();
        client.submit(job);
        JobStatus status = terminal(job.getJobId());
        assertThat(status.getErrorCode()).isEqualTo(ErrorCode.DATA_NOT_FOUND);
        assertThat(status.getMessage()).contains("nowhere");
    }
}
