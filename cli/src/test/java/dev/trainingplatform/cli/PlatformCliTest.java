package dev.trainingplatform.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainingplatform.contract.AvroCodec;
import dev.trainingplatform.contract.AvroSerializer;
import dev.trainingplatform.contract.CancelRequest;
import dev.trainingplatform.contract.ClassMetrics;
import dev.trainingplatform.contract.CurvePoint;
import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.EvaluationResult;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.OptimizerType;
import dev.trainingplatform.contract.RegressionMetrics;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.testkafka.ContractClient;
import dev.trainingplatform.testkafka.KafkaBroker;
import java.awt.image.BufferedImage;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The CLI as users run it, against a real broker: output, exit codes, files. */
class PlatformCliTest {

    private final CliHarness harness = new CliHarness();
    private final KafkaBroker broker = harness.broker;
    private final ContractClient client = harness.client;

    @TempDir
    Path dir;

    private CliHarness.Run cli(String... args) {
        return harness.cli(args);
    }

    private CliHarness.Run cliOnBroker(String... args) {
        return harness.cliOnBroker(args);
    }

    private void publish(String topic, String key, SpecificRecord value) {
        harness.publish(topic, key, value);
    }

    private static String newJobId() {
        return "cli-" + UUID.randomUUID();
    }

    private void status(String job, JobState state, int epochs) {
        publish(Topics.STATUS, job, JobStatus.newBuilder().setJobId(job).setState(state).setEpochsCompleted(epochs)
                .setInstance("trainer-test").setTimestamp(Instant.now()).build());
    }

    private void epoch(String job, int epoch, int total, double loss, Double accuracy) {
        publish(Topics.METRICS, job, EpochMetrics.newBuilder().setJobId(job).setEpoch(epoch).setTotalEpochs(total)
                .setTrainLoss(loss).setTrainAccuracy(accuracy).setTestLoss(loss * 1.1)
                .setTestAccuracy(accuracy == null ? null : accuracy - 0.02).setTrainSamples(1000)
                .setSamplesPerSecond(5000).setEpochDurationMs(200).setElapsedMs(200L * epoch)
                .setEtaMs(200L * (total - epoch)).setTimestamp(Instant.now()).build());
    }

    private static EvaluationResult.Builder evaluation(String job, int epoch) {
        return EvaluationResult.newBuilder().setJobId(job).setCheckpointId(job + "/epoch-" + epoch).setEpoch(epoch)
                .setFinalCheckpoint(true).setNumSamples(300).setTestLoss(0.41).setTimestamp(Instant.now());
    }

    private EvaluationResult classifierEvaluation(String job, int epoch) {
        return evaluation(job, epoch).setTestAccuracy(0.8)
                .setClassNames(List.of("T-shirt/top", "Trouser", "Bag"))
                .setConfusionMatrix(List.of(List.of(80L, 10L, 10L), List.of(5L, 90L, 5L), List.of(20L, 10L, 70L)))
                .setPerClass(List.of(
                        new ClassMetrics("T-shirt/top", 0.762, 0.8, 0.780, 100L),
                        new ClassMetrics("Trouser", 0.818, 0.9, 0.857, 100L),
                        new ClassMetrics("Bag", 0.824, 0.7, 0.757, 100L)))
                .build();
    }

    /** A classifier job that ran 3 epochs and was evaluated, as the services would have reported it. */
    private String finishedClassifierJob() {
        String job = newJobId();
        status(job, JobState.QUEUED, 0);
        status(job, JobState.RUNNING, 0);
        for (int e = 1; e <= 3; e++) {
            epoch(job, e, 3, 1.0 / e, 0.6 + 0.1 * e);
        }
        status(job, JobState.SUCCEEDED, 3);
        publish(Topics.EVALUATIONS, job, classifierEvaluation(job, 3));
        return job;
    }

    @Test
    void submitPublishesAWorkloadWithOverrides() {
        CliHarness.Run run = cliOnBroker("submit", "--preset", "fashion-mnist", "--job-id", "cli-submit-" + UUID.randomUUID(),
                "--epochs", "2", "--learning-rate", "0.01", "--optimizer", "sgd", "--label", "team=vision");
        assertThat(run.exitCode()).as(run.err()).isZero();
        String jobId = run.out().trim();
        TrainingJob sent = client.await(Topics.JOBS, TrainingJob.class, jobId, j -> !j.isEmpty(),
                java.time.Duration.ofSeconds(30)).get(0);
        assertThat(sent.getModel().getPreset()).isEqualTo("fashion-mnist-mlp");
        assertThat(sent.getEpochs()).isEqualTo(2);
        assertThat(sent.getOptimizer().getLearningRate()).isEqualTo(0.01);
        assertThat(sent.getOptimizer().getType()).isEqualTo(OptimizerType.SGD);
        assertThat(sent.getLabels()).containsEntry("team", "vision");
    }

    @Test
    void submitPublishesAJobOnTheQueueOfItsPriority() {
        CliHarness.Run run = cliOnBroker("submit", "--preset", "fashion-mnist", "--job-id", "cli-priority-" + UUID.randomUUID(),
                "--priority", "high");
        assertThat(run.exitCode()).as(run.err()).isZero();
        String jobId = run.out().trim();
        TrainingJob sent = client.await(Topics.JOBS_HIGH, TrainingJob.class, jobId, j -> !j.isEmpty(),
                java.time.Duration.ofSeconds(30)).get(0);
        assertThat(sent.getPriority()).isEqualTo(dev.trainingplatform.contract.JobPriority.HIGH);
        assertThat(client.readToEnd(Topics.JOBS, jobId)).isEmpty();

        CliHarness.Run tooMany = cliOnBroker("create-topics", "--max-attempts", "10");
        assertThat(tooMany.exitCode()).isNotZero();
        assertThat(tooMany.err()).contains("--max-attempts must be 1 to 9");

        CliHarness.Run bad = cliOnBroker("submit", "--preset", "fashion-mnist", "--priority", "urgent");
        assertThat(bad.exitCode()).isNotZero();
        assertThat(bad.err()).contains("priority must be high, normal or low, got urgent");
    }

    @Test
    void submitSendsAYamlJobFileCheckedAgainstTheContract() throws Exception {
        String jobId = "cli-file-" + UUID.randomUUID();
        Path file = Files.writeString(dir.resolve("job.yaml"), """
                jobId: %s
                model:
                  layers:
                    - {type: flatten}
                    - {type: dense, args: {units: 64}}
                    - {type: relu}
                    - {type: dropout, args: {rate: 0.2}}
                    - {type: dense, args: {units: 10}}
                dataset: {name: fashion-mnist}
                optimizer: {type: adam, learningRate: 0.001}
                batchSize: 64
                epochs: 3
                labels: {owner: me}
                """.formatted(jobId));
        CliHarness.Run run = cliOnBroker("submit", "--file", file.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        TrainingJob sent = client.await(Topics.JOBS, TrainingJob.class, jobId, j -> !j.isEmpty(),
                java.time.Duration.ofSeconds(30)).get(0);
        assertThat(sent.getModel().getLayers()).hasSize(5);
        assertThat(sent.getModel().getLayers().get(1).getArgs()).containsEntry("units", 64L);
        assertThat(sent.getModel().getLayers().get(3).getArgs()).containsEntry("rate", 0.2);
        assertThat(sent.getOptimizer().getType()).isEqualTo(OptimizerType.ADAM);
        assertThat(sent.getSeed()).as("default from the schema").isEqualTo(42);
        assertThat(sent.getSubmittedAt()).isAfter(Instant.now().minusSeconds(60));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "'epochs: [1, 2'                                              | line ",
            "'- just\n- a list'                                           | expected a mapping",
            "'epochs: 3\nbatchSize: 4\ndataset: {name: x}\noptimizer: {type: adam, learningRate: 0.1}' | missing required field 'model'",
            "'model: {preset: a}\ndataset: {name: x}\noptimizer: {type: adam, learningRate: 0.1}\nbatchSize: 4\nepochs: three' | field 'epochs': expected a whole number, got \"three\"",
            "'model: {preset: a}\ndataset: {name: x}\noptimizer: {type: adamw, learningRate: 0.1}\nbatchSize: 4\nepochs: 3' | field 'optimizer.type': expected one of",
            "'model: {preset: a}\ndataset: {name: x}\noptimizer: {type: adam, learningRate: 0.1}\nbatchSize: 4\nepochs: 3\nepoch: 4' | unknown field 'epoch'",
            "'model: {preset: a}\ndataset: {name: x}\noptimizer: {type: adam, learningRate: -1}\nbatchSize: 4\nepochs: 3' | learningRate must be a positive number",
            "'model: {preset: a}\ndataset: {name: x}\noptimizer: {type: adam, learningRate: 0.1}\nbatchSize: 0\nepochs: 3' | batchSize must be at least 1",
    })
    void aMalformedJobFileIsOneClearLineAndExitCode2(String yaml, String expected) throws Exception {
        Path file = Files.writeString(dir.resolve("bad.yaml"), yaml.replace("\\n", "\n"));
        CliHarness.Run run = cliOnBroker("submit", "--file", file.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().lines().toList()).hasSize(1);
        assertThat(run.err()).startsWith("error: ").contains(expected);
        assertThat(run.out()).isEmpty();
    }

    @Test
    void watchReplaysTheHistoryThenFollowsLiveUntilTheEvaluation() throws Exception {
        String job = newJobId();
        status(job, JobState.QUEUED, 0);
        status(job, JobState.RUNNING, 0);
        epoch(job, 1, 3, 0.9, 0.7);
        CompletableFuture<CliHarness.Run> watching = CompletableFuture.supplyAsync(() -> cliOnBroker("watch", job));
        Thread.sleep(1500); // let the watcher catch up first; the rest arrives while it follows
        epoch(job, 2, 3, 0.6, 0.8);
        epoch(job, 3, 3, 0.4, 0.85);
        status(job, JobState.SUCCEEDED, 3);
        publish(Topics.EVALUATIONS, job, classifierEvaluation(job, 3));

        CliHarness.Run run = watching.get(60, TimeUnit.SECONDS);
        assertThat(run.exitCode()).as(run.err()).isZero();
        List<String> lines = run.out().lines().toList();
        assertThat(lines).anyMatch(l -> l.contains(job + " QUEUED"));
        assertThat(lines).anyMatch(l -> l.startsWith("epoch 1/3 [##########--------------------]  33%  ETA 0:00:00  loss 0.9000  acc 0.7000"));
        assertThat(lines).anyMatch(l -> l.startsWith("epoch 3/3 [##############################] 100%") && l.contains("test acc 0.8300"));
        assertThat(run.out()).contains("test accuracy 0.8000").contains("confusion matrix");
        assertThat(run.out().indexOf("epoch 3/3")).isLessThan(run.out().indexOf("SUCCEEDED"));
    }

    @Test
    void watchOfAFailedJobEndsWithExitCode1() {
        String job = newJobId();
        status(job, JobState.QUEUED, 0);
        publish(Topics.STATUS, job, JobStatus.newBuilder().setJobId(job).setState(JobState.FAILED)
                .setErrorCode(dev.trainingplatform.contract.ErrorCode.INVALID_MODEL).setMessage("layer 2 (dense): bad")
                .setTimestamp(Instant.now()).build());
        CliHarness.Run run = cliOnBroker("watch", job);
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).contains("FAILED INVALID_MODEL: layer 2 (dense): bad");
    }

    @Test
    void resultPrintsTheConfusionMatrixAlignedAndPerClassScores() {
        String job = finishedClassifierJob();
        CliHarness.Run run = cliOnBroker("result", job);
        assertThat(run.exitCode()).as(run.err()).isZero();
        List<String> lines = run.out().lines().toList();
        int header = lines.indexOf(lines.stream().filter(l -> l.contains("confusion matrix")).findFirst().orElseThrow());
        List<String> table = lines.subList(header + 1, header + 5);
        assertThat(table.get(1)).contains("T-shirt/top").endsWith("80   10   10");
        assertThat(table.get(3)).contains("Bag").endsWith("20   10   70");
        assertThat(table.stream().map(String::length).distinct()).hasSize(1);
        assertThat(run.out()).containsPattern("Trouser\\s+0\\.818\\s+0\\.900\\s+0\\.857\\s+100");
    }

    @Test
    void asAProcessResultPrintsTheWholeEvaluation() throws Exception {
        String job = finishedClassifierJob();
        Process cli = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), PlatformCli.class.getName(),
                "result", job, "--bootstrap-servers", broker.bootstrapServers())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(cli.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(cli.waitFor()).isZero();
        assertThat(out).contains("confusion matrix").containsPattern("Trouser\\s+0\\.818\\s+0\\.900\\s+0\\.857\\s+100");
    }

    @Test
    void plotWritesRealPngsOfTheRightSizeWithContent() throws Exception {
        String job = finishedClassifierJob();
        CliHarness.Run run = cliOnBroker("plot", job, "--out", dir.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        List<Path> files = run.out().lines().map(Path::of).toList();
        assertThat(files).extracting(f -> f.getFileName().toString())
                .containsExactly(job + "-loss.png", job + "-accuracy.png", job + "-confusion.png");
        for (Path f : files) {
            assertRealPlot(f);
        }
    }

    @Test
    void plotOfARegressionJobDrawsTheFitOverTheData() throws Exception {
        String job = newJobId();
        status(job, JobState.SUCCEEDED, 2);
        epoch(job, 1, 2, 0.5, null);
        epoch(job, 2, 2, 0.1, null);
        List<CurvePoint> curve = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            double x = i * 0.05;
            curve.add(new CurvePoint(x, Math.sqrt(x) + Math.sin(x) + (i % 7 - 3) * 0.05, Math.sqrt(x) + Math.sin(x)));
        }
        publish(Topics.EVALUATIONS, job, evaluation(job, 2)
                .setRegression(new RegressionMetrics(0.04, 0.15, 0.95, curve)).build());
        CliHarness.Run run = cliOnBroker("plot", job, "--out", dir.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        List<Path> files = run.out().lines().map(Path::of).toList();
        assertThat(files).extracting(f -> f.getFileName().toString())
                .containsExactly(job + "-loss.png", job + "-regression-fit.png");
        files.forEach(PlatformCliTest::assertRealPlot);
    }

    private static void assertRealPlot(Path file) {
        try {
            BufferedImage image = ImageIO.read(file.toFile());
            assertThat(image).as(file + " is a PNG").isNotNull();
            assertThat(image.getWidth()).isEqualTo(Plots.WIDTH);
            assertThat(image.getHeight()).isEqualTo(Plots.HEIGHT);
            Set<Integer> colours = new HashSet<>();
            long notWhite = 0;
            for (int y = 0; y < image.getHeight(); y += 2) {
                for (int x = 0; x < image.getWidth(); x += 2) {
                    int rgb = image.getRGB(x, y) & 0xFFFFFF;
                    colours.add(rgb);
                    if (rgb != 0xFFFFFF) {
                        notWhite++;
                    }
                }
            }
            // Axes, labels, series and antialiasing: many colours and a fair share of ink.
            assertThat(colours.size()).as(file + " colours").isGreaterThan(20);
            assertThat(notWhite).as(file + " non-white pixels").isGreaterThan(image.getWidth() * image.getHeight() / 4 / 50);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void cancelSendsARequestForAKnownJob() {
        String job = newJobId();
        status(job, JobState.QUEUED, 0);
        status(job, JobState.RUNNING, 0);
        CliHarness.Run run = cliOnBroker("cancel", job, "--reason", "wrong data");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("cancel requested for " + job);
        CancelRequest sent = client.await(Topics.CANCELLATIONS, CancelRequest.class, job, r -> !r.isEmpty(),
                java.time.Duration.ofSeconds(30)).get(0);
        assertThat(sent.getReason()).isEqualTo("wrong data");
    }

    @Test
    void theDemoStopsAtAFailedStatusAndSaysHowToGetFashionMnist() throws Exception {
        java.util.Set<String> before = new java.util.HashSet<>();
        client.readToEnd(Topics.JOBS, null).forEach(r -> before.add(r.key()));
        CompletableFuture<CliHarness.Run> demo = CompletableFuture.supplyAsync(() -> cliOnBroker("demo", "--epochs", "1",
                "--plots", dir.resolve("plots").toString()));
        // Stand in for a trainer without the data: fail the demo's job as soon as it is on the topic.
        String job = client.awaitRecords(Topics.JOBS, null,
                        r -> r.stream().anyMatch(x -> !before.contains(x.key())), java.time.Duration.ofSeconds(60))
                .stream().map(r -> r.key()).filter(k -> !before.contains(k)).findFirst().orElseThrow();
        status(job, JobState.QUEUED, 0);
        publish(Topics.STATUS, job, JobStatus.newBuilder().setJobId(job).setState(JobState.FAILED)
                .setErrorCode(dev.trainingplatform.contract.ErrorCode.DATA_NOT_FOUND)
                .setMessage("download of http://fashion-mnist.example/train-images-idx3-ubyte.gz failed: unknown host")
                .setTimestamp(Instant.now()).build());
        CliHarness.Run run = demo.get(60, TimeUnit.SECONDS);
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("the job ended FAILED DATA_NOT_FOUND: download of")
                .contains("apt-get install dataset-fashion-mnist").contains("FASHION_MNIST_LOCATION")
                .doesNotContain("within 30 minutes");
    }

    @Test
    void cancelWithWaitReturnsWhenTheTrainerReportsCancelled() throws Exception {
        String job = newJobId();
        status(job, JobState.RUNNING, 0);
        CompletableFuture<CliHarness.Run> cancelling = CompletableFuture.supplyAsync(() -> cliOnBroker("cancel", job, "--wait"));
        // Stand in for the trainer: answer the request once it is on the topic.
        client.await(Topics.CANCELLATIONS, CancelRequest.class, job, r -> !r.isEmpty(), java.time.Duration.ofSeconds(60));
        status(job, JobState.CANCELLED, 1);
        CliHarness.Run run = cancelling.get(60, TimeUnit.SECONDS);
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("cancel requested for " + job).contains(job + " CANCELLED");
    }

    @Test
    void cancelOfAFinishedJobSaysSoAndSendsNothing() {
        String job = finishedClassifierJob();
        CliHarness.Run run = cliOnBroker("cancel", job);
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("already ended: SUCCEEDED");
        assertThat(client.readToEnd(Topics.CANCELLATIONS, job)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"watch", "result", "plot", "cancel"})
    void anUnknownJobIsOneClearLineAndExitCode3(String command) {
        CliHarness.Run run = cliOnBroker(command, "no-such-job-" + UUID.randomUUID());
        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.err().lines().toList()).hasSize(1);
        assertThat(run.err()).startsWith("error: no job 'no-such-job-");
    }

    @Test
    void listShowsTheLatestStateOfEveryJob() {
        String done = finishedClassifierJob();
        String running = newJobId();
        status(running, JobState.QUEUED, 0);
        status(running, JobState.RUNNING, 0);
        String waiting = "cli-waiting-" + UUID.randomUUID();
        client.send(Topics.JOBS, waiting, new byte[] {1});
        CliHarness.Run run = cliOnBroker("list");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern(done + "\\s+SUCCEEDED\\s+3\\s+trainer-test");
        assertThat(run.out()).containsPattern(running + "\\s+RUNNING\\s+0");
        assertThat(run.out()).containsPattern(waiting + "\\s+SUBMITTED");
        CliHarness.Run onlyRunning = cliOnBroker("list", "--state", "running");
        assertThat(onlyRunning.out()).contains(running).doesNotContain(done);
    }

    @Test
    void aMissingBrokerIsOneClearLineAndExitCode4() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        CliHarness.Run run = cli("list", "--bootstrap-servers", "127.0.0.1:" + port, "--connect-timeout", "2");
        assertThat(run.exitCode()).isEqualTo(4);
        assertThat(run.err().lines().toList()).hasSize(1);
        assertThat(run.err()).startsWith("error: cannot reach Kafka at 127.0.0.1:" + port);
    }

    @Test
    void asAProcessAMissingBrokerPrintsExactlyOneLineOnStderr() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process cli = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), PlatformCli.class.getName(),
                "list", "--bootstrap-servers", "127.0.0.1:" + port, "--connect-timeout", "2")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(cli.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(cli.waitFor()).isEqualTo(4);
        assertThat(err.lines().toList()).hasSize(1);
        assertThat(err).startsWith("error: cannot reach Kafka at 127.0.0.1:" + port + " (");
    }

    @Test
    void anUnreadableKafkaConfigFileIsBadInput() {
        CliHarness.Run run = cli("list", "--kafka-config", dir.resolve("missing.properties").toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("error: cannot read Kafka client config");
    }

    @Test
    void securitySettingsComeFromAStandardKafkaPropertiesFile() throws Exception {
        Path config = Files.writeString(dir.resolve("client.properties"), """
                security.protocol=SASL_SSL
                sasl.mechanism=SCRAM-SHA-512
                sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";
                """);
        KafkaSettings settings = KafkaSettings.of(null, config, java.time.Duration.ofSeconds(1),
                java.util.Map.of("KAFKA_BOOTSTRAP_SERVERS", "kafka:9093"));
        assertThat(settings.props()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512").containsEntry("bootstrap.servers", "kafka:9093");
    }

    @Test
    void theWireFormatOfACancelRequestIsTheContractsOwn() {
        CancelRequest r = CancelRequest.newBuilder().setJobId("j").setRequestedAt(Instant.ofEpochMilli(5)).build();
        assertThat(AvroCodec.of(CancelRequest.class).decode(new AvroSerializer<CancelRequest>().serialize("t", r))).isEqualTo(r);
    }
}
