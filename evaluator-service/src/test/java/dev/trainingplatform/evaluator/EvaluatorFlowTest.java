package dev.trainingplatform.evaluator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainingplatform.contract.AvroSerializer;
import dev.trainingplatform.contract.Checkpoint;
import dev.trainingplatform.contract.ClassMetrics;
import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.EvaluationResult;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.contract.OptimizerSpec;
import dev.trainingplatform.contract.OptimizerType;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.ml.checkpoint.Sha256;
import dev.trainingplatform.ml.data.DataSources;
import dev.trainingplatform.ml.data.DatasetCatalog;
import dev.trainingplatform.ml.data.LoadedDataset;
import dev.trainingplatform.ml.testdata.FashionMnistFiles;
import dev.trainingplatform.ml.train.Training;
import dev.trainingplatform.ml.train.admission.JobLimits;
import dev.trainingplatform.ml.train.admission.TrainingPlan;
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
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The evaluator against a real broker: real checkpoints in, evaluation results out. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
class EvaluatorFlowTest {

    static final Duration WAIT = Duration.ofSeconds(120);
    static Path data;
    static TrainingPlan plan;
    static byte[] trainedParameters;
    static double trainerTestLoss;
    static double trainerTestAccuracy;

    ContractClient client = new ContractClient(KafkaBroker.shared().bootstrapServers());

    /** Trains a small model here, as the trainer would, so the evaluator gets genuine parameters. */
    @BeforeAll
    static void trainAModel() throws Exception {
        data = FashionMnistFiles.write(Files.createTempDirectory("fm-evaluator"), 200, 70, true);
        TrainingJob job = TrainingJob.newBuilder()
                .setJobId("trained-in-test")
                .setModel(ModelSpec.newBuilder().setPreset("fashion-mnist-mlp").build())
                .setDataset(DatasetSpec.newBuilder().setName("fashion-mnist").setLocation(data.toString()).build())
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(1e-3).build())
                .setBatchSize(32).setEpochs(2).setTestEveryEpoch(true).setEvaluationBatchSize(32)
                .build();
        LoadedDataset loaded = new DatasetCatalog(new DataSources(Map.of(), List.of(data), data.resolve("cache"), false))
                .load(job.getDataset());
        plan = TrainingPlan.of(job, loaded, JobLimits.defaults());
        Training.run(plan, (epoch, params) -> {
            trainedParameters = params.parameters();
            trainerTestLoss = epoch.testLoss();
            trainerTestAccuracy = epoch.testAccuracy();
        });
    }

    static Checkpoint.Builder checkpoint(String jobId) {
        return Checkpoint.newBuilder()
                .setJobId(jobId)
                .setCheckpointId(jobId + "/epoch-2")
                .setEpoch(2).setTotalEpochs(2).setFinalCheckpoint(true)
                .setModel(plan.model())
                .setDataset(plan.job().getDataset())
                .setLoss(plan.job().getLoss())
                .setEvaluationBatchSize(50)
                .setParameterCount(plan.built().parameterCount())
                .setParameters(ByteBuffer.wrap(trainedParameters))
                .setParametersSha256(Sha256.of(trainedParameters))
                .setTimestamp(Instant.now());
    }

    private void send(Checkpoint c) {
        client.send(Topics.CHECKPOINTS, c.getJobId(), new AvroSerializer<Checkpoint>().serialize(Topics.CHECKPOINTS, c));
    }

    private EvaluationResult resultFor(String jobId) {
        return client.await(Topics.EVALUATIONS, EvaluationResult.class, jobId, r -> !r.isEmpty(), WAIT).get(0);
    }

    @Test
    void aCheckpointIsEvaluatedOnTheWholeTestSplitWithAConfusionMatrix() {
        String jobId = "eval-" + UUID.randomUUID();
        send(checkpoint(jobId).build());
        EvaluationResult r = resultFor(jobId);

        assertThat(r.getError()).isNull();
        assertThat(r.getCheckpointId()).isEqualTo(jobId + "/epoch-2");
        assertThat(r.getNumSamples()).isEqualTo(70);
        assertThat(r.getClassNames()).hasSize(10).contains("Ankle boot");
        long total = r.getConfusionMatrix().stream().flatMap(List::stream).mapToLong(Long::longValue).sum();
        assertThat(total).isEqualTo(70);
        // The evaluator reproduces what the trainer measured on the same parameters.
        assertThat(r.getTestAccuracy()).isEqualTo(trainerTestAccuracy, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.getTestLoss()).isCloseTo(trainerTestLoss, org.assertj.core.data.Offset.offset(1e-4));
        assertThat(r.getPerClass()).hasSize(10).extracting(ClassMetrics::getSupport).containsOnly(7L);
        assertThat(r.getPerClass()).allSatisfy(c -> assertThat(c.getF1()).isBetween(0.0, 1.0));
    }

    @Test
    void aBestCheckpointsEvaluationIsMarkedBestAndOthersAreNot() {
        String best = "best-" + UUID.randomUUID();
        String plain = "plain-" + UUID.randomUUID();
        send(checkpoint(best).setFinalCheckpoint(false).setBest(true).setBestMetric(0.3).build());
        send(checkpoint(plain).build());
        EvaluationResult b = resultFor(best);
        assertThat(b.getError()).isNull();
        assertThat(b.getBestCheckpoint()).isTrue();
        assertThat(b.getFinalCheckpoint()).isFalse();
        assertThat(resultFor(plain).getBestCheckpoint()).isFalse();
    }

    @Test
    void parametersThatDoNotMatchTheirDigestAreRefused() {
        String jobId = "tampered-" + UUID.randomUUID();
        byte[] tampered = trainedParameters.clone();
        tampered[tampered.length - 1] ^= 1;
        send(checkpoint(jobId).setParameters(ByteBuffer.wrap(tampered)).build());
        EvaluationResult r = resultFor(jobId);
        assertThat(r.getError()).isNotNull();
        assertThat(r.getError().getCode()).isEqualTo(ErrorCode.CHECKPOINT_INVALID);
        assertThat(r.getError().getMessage()).contains("SHA-256");
        assertThat(r.getTestAccuracy()).isNull();
    }

    @Test
    void parameterFilesOutsideTheCheckpointDirectoriesAreRefused() {
        String jobId = "outside-" + UUID.randomUUID();
        send(checkpoint(jobId).setParameters(null).setParametersUri("file:///etc/passwd").build());
        EvaluationResult r = resultFor(jobId);
        assertThat(r.getError().getCode()).isEqualTo(ErrorCode.CHECKPOINT_INVALID);
        assertThat(r.getError().getMessage()).contains("outside the checkpoint directories");
    }

    @Test
    void parametersForAnotherModelAreRefused() {
        String jobId = "mismatch-" + UUID.randomUUID();
        byte[] wrong = Arrays.copyOf(trainedParameters, trainedParameters.length / 2);
        send(checkpoint(jobId).setParameters(ByteBuffer.wrap(wrong)).setParametersSha256(Sha256.of(wrong)).build());
        EvaluationResult r = resultFor(jobId);
        assertThat(r.getError().getCode()).isEqualTo(ErrorCode.CHECKPOINT_INVALID);
    }

    @Test
    void aCheckpointWithoutAPositiveEvaluationBatchSizeIsRefused() {
        String jobId = "batch-" + UUID.randomUUID();
        send(checkpoint(jobId).setEvaluationBatchSize(0).build());
        EvaluationResult r = resultFor(jobId);
        assertThat(r.getError().getCode()).isEqualTo(ErrorCode.CHECKPOINT_INVALID);
        assertThat(r.getError().getMessage()).contains("evaluationBatchSize must be positive, got 0");
    }

    @Test
    void aMalformedCheckpointGoesToItsDeadLetterTopicAndTheNextIsStillEvaluated() {
        String key = "garbage-" + UUID.randomUUID();
        client.send(Topics.CHECKPOINTS, key, "nonsense".getBytes(StandardCharsets.UTF_8));
        List<ConsumerRecord<String, byte[]>> dead = client.awaitRecords(Topics.CHECKPOINTS_DLQ, key, r -> !r.isEmpty(), WAIT);
        assertThat(new String(dead.get(0).headers().lastHeader("dead-letter-reason").value(), StandardCharsets.UTF_8))
                .contains("not Avro");

        String jobId = "after-garbage-" + UUID.randomUUID();
        send(checkpoint(jobId).build());
        assertThat(resultFor(jobId).getError()).isNull();
    }

    /** A 16-byte record: Checkpoint's single-object header, then a jobId claiming 2^31-16 bytes. */
    private static byte[] sixteenByteCheckpoint() {
        ByteBuffer b = ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0xC3).put((byte) 0x01)
                .putLong(org.apache.avro.SchemaNormalization.parsingFingerprint64(Checkpoint.getClassSchema()));
        long zigzag = ((1L << 31) - 16) << 1;
        while ((zigzag & ~0x7fL) != 0) {
            b.put((byte) ((zigzag & 0x7f) | 0x80));
            zigzag >>>= 7;
        }
        b.put((byte) zigzag);
        while (b.hasRemaining()) {
            b.put((byte) 'A');
        }
        return b.array();
    }

    @Test
    void aSixteenByteCheckpointClaimingAHugeStringIsDeadLetteredAndTheEvaluatorStaysUp() throws Exception {
        String key = "huge-claim-" + UUID.randomUUID();
        client.send(Topics.CHECKPOINTS, key, sixteenByteCheckpoint());
        List<ConsumerRecord<String, byte[]>> dead = client.awaitRecords(Topics.CHECKPOINTS_DLQ, key, r -> !r.isEmpty(), WAIT);
        assertThat(new String(dead.get(0).headers().lastHeader("dead-letter-reason").value(), StandardCharsets.UTF_8))
                .contains("Checkpoint.jobId claims a length of 2147483632 bytes");
        assertThat(get(readyUri)).contains("\"status\": \"UP\"");
        String jobId = "after-huge-claim-" + UUID.randomUUID();
        send(checkpoint(jobId).build());
        assertThat(resultFor(jobId).getError()).isNull();
    }

    /** The MLP preset with another hidden width. */
    private static ModelSpec mlpWithHiddenUnits(long units, boolean extraRelu) {
        List<dev.trainingplatform.contract.Layer> layers = new java.util.ArrayList<>(List.of(
                dev.trainingplatform.ml.model.Presets.layer("rescale", "scale", 1.0 / 255),
                dev.trainingplatform.ml.model.Presets.layer("flatten"),
                dev.trainingplatform.ml.model.Presets.layer("dense", "units", units),
                dev.trainingplatform.ml.model.Presets.layer("relu"),
                dev.trainingplatform.ml.model.Presets.layer("dense", "units", 10L)));
        if (extraRelu) {
            layers.add(3, dev.trainingplatform.ml.model.Presets.layer("relu"));
        }
        return ModelSpec.newBuilder().setLayers(layers).build();
    }

    @Test
    void aForgedCheckpointClaimingAHugeModelIsRefusedBeforeItIsBuilt() {
        String jobId = "forged-huge-" + UUID.randomUUID();
        byte[] kilobyte = new byte[1024];
        send(checkpoint(jobId).setModel(mlpWithHiddenUnits(1_500_000L, false)).setParameterCount(1_500_000L * 795 + 10)
                .setParameters(ByteBuffer.wrap(kilobyte)).setParametersSha256(Sha256.of(kilobyte)).build());
        EvaluationResult r = resultFor(jobId);
        assertThat(r.getError().getCode()).isEqualTo(ErrorCode.CHECKPOINT_INVALID);
        assertThat(r.getError().getMessage()).contains("claims 1192500010 parameters but carries 1024 bytes");
        String honestCount = "forged-count-" + UUID.randomUUID();
        send(checkpoint(honestCount).setModel(mlpWithHiddenUnits(1_500_000L, false)).build());
        assertThat(resultFor(honestCount).getError().getMessage())
                .contains("layer 2 (dense) brings the model to 1177500000 parameters, more than the checkpoint's "
                        + "parameterCount of " + plan.built().parameterCount());
    }

    @Test
    void parametersOfAnotherShapeAreRefusedWithTheLayerNamed() {
        // Dense 64's layer list and parameter count, carrying the trained dense-128 parameters.
        String jobId = "narrower-" + UUID.randomUUID();
        long dense64 = 784 * 64 + 64 + 64 * 10 + 10;
        send(checkpoint(jobId).setModel(mlpWithHiddenUnits(64, false)).setParameterCount(dense64).build());
        EvaluationResult r = resultFor(jobId);
        assertThat(r.getError().getCode()).isEqualTo(ErrorCode.CHECKPOINT_INVALID);
        assertThat(r.getError().getMessage()).contains("layer 2 (dense) expects parameters of shapes [(64, 784), (64)]")
                .contains("(128, 784)");
        assertThat(r.getTestAccuracy()).isNull();

        String extra = "extra-layer-" + UUID.randomUUID();
        send(checkpoint(extra).setModel(mlpWithHiddenUnits(128, true)).build());
        EvaluationResult e = resultFor(extra);
        assertThat(e.getError().getCode()).isEqualTo(ErrorCode.CHECKPOINT_INVALID);
        assertThat(e.getError().getMessage()).contains("do not fit the model built from its layer list").doesNotContain("null");
    }

    @io.quarkus.test.common.http.TestHTTPResource("/q/metrics")
    java.net.URI metricsUri;

    @io.quarkus.test.common.http.TestHTTPResource("/q/health/ready")
    java.net.URI readyUri;

    private static String get(java.net.URI uri) throws Exception {
        var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(uri).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(uri + ": " + response.body()).isEqualTo(200);
        return response.body();
    }

    private static double sample(String metrics, String line) {
        return metrics.lines().filter(l -> l.startsWith(line))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(0);
    }

    @Test
    void readinessChecksKafkaAndMetricsCountEvaluationsByOutcome() throws Exception {
        assertThat(get(readyUri)).contains("\"status\": \"UP\"").contains("Kafka connection health check");
        String evaluated = "evaluator_checkpoints_total{error=\"none\",outcome=\"evaluated\"}";
        String refused = "evaluator_checkpoints_total{error=\"CHECKPOINT_INVALID\",outcome=\"refused\"}";
        String before = get(metricsUri);
        String good = "metrics-" + java.util.UUID.randomUUID();
        send(checkpoint(good).build());
        resultFor(good);
        String bad = "metrics-bad-" + java.util.UUID.randomUUID();
        send(checkpoint(bad).setParametersSha256("00".repeat(32)).build());
        assertThat(resultFor(bad).getError()).isNotNull();
        // The counters move after the result is published: wait for them rather than race.
        long deadline = System.nanoTime() + WAIT.toNanos();
        String after = get(metricsUri);
        while (sample(after, refused) - sample(before, refused) < 1 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            after = get(metricsUri);
        }
        assertThat(sample(after, evaluated) - sample(before, evaluated)).isEqualTo(1.0);
        assertThat(sample(after, refused) - sample(before, refused)).isEqualTo(1.0);
        assertThat(sample(after, "evaluator_checkpoint_duration_seconds_count")
                - sample(before, "evaluator_checkpoint_duration_seconds_count")).isEqualTo(2.0);
        assertThat(after).doesNotContain(good);
    }

    @org.junit.jupiter.api.AfterAll
    static void reportMemory() {
        // Printed for the record: the whole test JVM (broker, service, tests) ran within this.
        System.out.println("EvaluatorFlowTest (forged and hostile checkpoints included): " + dev.trainingplatform.testkafka.ProcessMemory.summary());
    }
}
