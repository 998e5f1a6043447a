package dev.trainingplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainingplatform.contract.Checkpoint;
import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.EvaluationResult;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.contract.OptimizerSpec;
import dev.trainingplatform.contract.OptimizerType;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.ml.testdata.FashionMnistFiles;
import dev.trainingplatform.testkafka.ContractClient;
import dev.trainingplatform.testkafka.KafkaBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A job submitted on Kafka comes back as metrics, a checkpoint and an evaluation from two real services. */
class JobThroughBothServicesTest {

    static final Duration WAIT = Duration.ofMinutes(3);
    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    static final List<Process> SERVICES = new ArrayList<>();
    static final List<Path> LOGS = new ArrayList<>();
    static Path work;
    static Path data;
    static Map<String, String> trainerEnv;
    static ContractClient client;
    static final int TRAINER_PORT = freePort();
    static final int EVALUATOR_PORT = freePort();

    private static int freePort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeAll
    static void startTheStack() throws Exception {
        KafkaBroker broker = KafkaBroker.shared();
        client = new ContractClient(broker.bootstrapServers());
        work = Files.createTempDirectory("e2e-");
        data = FashionMnistFiles.write(work.resolve("data/fashion-mnist"), 300, 100, true);
        Map<String, String> env = Map.ofEntries(
                Map.entry("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers()),
                Map.entry("TRAINER_HTTP_PORT", String.valueOf(TRAINER_PORT)),
                Map.entry("EVALUATOR_HTTP_PORT", String.valueOf(EVALUATOR_PORT)),
                Map.entry("TRAINER_DATA_ROOTS", work.resolve("data").toString()),
                Map.entry("EVALUATOR_DATA_ROOTS", work.resolve("data").toString()),
                Map.entry("TRAINER_DATA_CACHE", work.resolve("cache").toString()),
                Map.entry("EVALUATOR_DATA_CACHE", work.resolve("cache").toString()),
                Map.entry("TRAINER_DOWNLOADS_ENABLED", "false"),
                Map.entry("EVALUATOR_DOWNLOADS_ENABLED", "false"),
                Map.entry("FASHION_MNIST_LOCATION", data.toString()),
                Map.entry("CHECKPOINT_DIRECTORY", work.resolve("checkpoints").toString()),
                // Files rather than inline bytes for the model's parameters and resume points, so that
                // path is exercised across processes too.
                Map.entry("TRAINER_CHECKPOINT_INLINE_MAX_BYTES", "100000"),
                // A killed evaluator's partitions move on after 10 s instead of 45 s, and a killed
                // trainer's job is taken again after 10 s instead of 30 s (its record's lock).
                Map.entry("KAFKA_SESSION_TIMEOUT_MS", "10000"),
                Map.entry("TRAINER_QUEUE_LOCK_DURATION", "PT10S"));
        trainerEnv = env;
        start("trainer", ROOT.resolve("trainer-service/target/quarkus-app/quarkus-run.jar"), env);
        // The evaluator logs JSON, the trainer plain text: the switch is configuration only.
        Map<String, String> json = new java.util.HashMap<>(env);
        json.put("PLATFORM_LOG_JSON", "true");
        start("evaluator", ROOT.resolve("evaluator-service/target/quarkus-app/quarkus-run.jar"), json);
    }

    private static void start(String name, Path jar, Map<String, String> env) throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run the whole build (mvn -B verify) from the root");
        }
        Path log = work.resolve(name + "-" + SERVICES.size() + ".log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // Several services share the cores: one intra-op thread each, or libtorch's OpenMP
                // threads spin against each other and an epoch takes many times as long.
                "-Xmx1g", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", "-jar", jar.toString())
                // Kept apart: the services log on standard output; native code (libtorch's own C++
                // warnings, such as NNPACK's on CPUs it does not know) writes to standard error.
                .redirectOutput(log.toFile()).redirectError(errors(log).toFile());
        pb.environment().putAll(env);
        SERVICES.add(pb.start());
        LOGS.add(log);
    }

    /** Where a service's standard error goes, beside its log. */
    private static Path errors(Path log) {
        return log.resolveSibling(log.getFileName().toString().replace(".log", ".stderr.log"));
    }

    /** A service's standard output and standard error. */
    private static List<String> output(Path log) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(log));
        Path errors = errors(log);
        if (Files.exists(errors)) {
            lines.addAll(Files.readAllLines(errors));
        }
        return lines;
    }

    @AfterAll
    static void stopTheStack() throws Exception {
        for (Process p : SERVICES) {
            p.destroy();
        }
        for (Process p : SERVICES) {
            p.waitFor();
        }
    }

    private static TrainingJob.Builder job() {
        return TrainingJob.newBuilder()
                .setJobId("e2e-" + UUID.randomUUID())
                .setModel(ModelSpec.newBuilder().setPreset("fashion-mnist-mlp").build())
                // No location: the services' configured default for fashion-mnist is used.
                .setDataset(DatasetSpec.newBuilder().setName("fashion-mnist").build())
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(1e-3).build())
                .setBatchSize(32)
                .setEpochs(2);
    }

    /** Debian's Python with python3-avro and python3-confluent-kafka (what .ci/run installs), or a skip. */
    private static String debianPython() throws Exception {
        String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        Process probe = new ProcessBuilder(python, "-c", "import avro, confluent_kafka").redirectErrorStream(true).start();
        org.junit.jupiter.api.Assumptions.assumeTrue(probe.waitFor() == 0,
                "Debian's python3-avro and python3-confluent-kafka are not installed (.ci/run installs them): "
                        + new String(probe.getInputStream().readAllBytes()));
        return python;
    }

    private record PythonRun(int exitCode, String output) {}

    private static PythonRun pythonClient(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(debianPython(),
                ROOT.resolve("clients/python/platform_client.py").toString(),
                "--bootstrap-servers", KafkaBroker.shared().bootstrapServers()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        return new PythonRun(p.waitFor(), output);
    }

    @Test
    void aPythonClientBuiltFromTheSchemaFilesSubmitsAJobAndFollowsItToItsEvaluation() throws Exception {
        // The layer list of the issue that found the two python3-avro pitfalls: integers in unions.
        PythonRun run = pythonClient("submit", "--file",
                ROOT.resolve("clients/python/examples/fashion-mnist-mlp.json").toString(), "--watch", "--timeout", "240");
        try {
            assertThat(run.exitCode()).as(run.output()).isZero();
            assertThat(run.output()).contains("SUCCEEDED").contains("epoch 2/2").contains("[evaluation]")
                    .contains("test accuracy").containsPattern("val loss \\d+\\.\\d{4}");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + logs(), e);
        }
    }

    @Test
    void aStockPythonAvroSubmissionIsAnsweredWithAFailedStatusNamingTheFingerprintProblem() throws Exception {
        PythonRun run = pythonClient("submit", "--preset", "fashion-mnist", "--epochs", "1", "--no-workarounds",
                "--watch", "--timeout", "60");
        assertThat(run.exitCode()).as(run.output()).isEqualTo(1);
        // What python3-avro 1.11 computes for TrainingJob v4 (it keeps submittedAt's logical type in
        // the canonical form); the trainer names the fingerprints it knows, the current one last.
        var versions = dev.trainingplatform.contract.SchemaHistory.versions("TrainingJob");
        String current = "v" + versions.size() + " (current) " + dev.trainingplatform.contract.SchemaHistory.hex(
                dev.trainingplatform.contract.SchemaHistory.fingerprint(versions.get(versions.size() - 1)));
        assertThat(run.output()).contains("FAILED (attempt 1): INVALID_JOB").contains("unknown writer schema fingerprint 51faa90a56877b88")
                .contains(current).contains("Python's avro package");
    }

    private static String logs() throws IOException {
        StringBuilder b = new StringBuilder();
        for (Path log : LOGS) {
            List<String> lines = output(log);
            b.append("---- ").append(log.getFileName()).append('\n')
                    .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()))).append('\n');
        }
        return b.toString();
    }

    @Test
    void aJobComesBackAsMetricsACheckpointAndAnEvaluation() throws Exception {
        TrainingJob job = job().build();
        client.submit(job);
        try {
            List<JobStatus> statuses = client.await(Topics.STATUS, JobStatus.class, job.getJobId(),
                    s -> s.stream().anyMatch(x -> x.getState() == JobState.SUCCEEDED || x.getState() == JobState.FAILED), WAIT);
            assertThat(statuses).extracting(JobStatus::getState).endsWith(JobState.SUCCEEDED);

            List<EpochMetrics> metrics = client.await(Topics.METRICS, EpochMetrics.class, job.getJobId(), m -> m.size() >= 2, WAIT);
            assertThat(metrics).extracting(EpochMetrics::getEpoch).containsExactly(1, 2);

            Checkpoint checkpoint = client.await(Topics.CHECKPOINTS, Checkpoint.class, job.getJobId(), c -> !c.isEmpty(), WAIT).get(0);
            // Over the configured inline limit: the evaluator reads the parameters from the shared file.
            assertThat(checkpoint.getParameters()).isNull();
            assertThat(checkpoint.getParametersUri()).startsWith("file:");
            // Since Checkpoint v2: what an export needs without the data set.
            assertThat(checkpoint.getInputShape()).containsExactly(28L, 28L);
            assertThat(checkpoint.getClassNames()).hasSize(10).contains("T-shirt/top", "Ankle boot");
            EvaluationResult result = client.await(Topics.EVALUATIONS, EvaluationResult.class, job.getJobId(),
                    r -> !r.isEmpty(), WAIT).get(0);
            assertThat(result.getError()).isNull();
            assertThat(result.getCheckpointId()).isEqualTo(checkpoint.getCheckpointId());
            assertThat(result.getNumSamples()).isEqualTo(100);
            long total = result.getConfusionMatrix().stream().flatMap(List::stream).mapToLong(Long::longValue).sum();
            assertThat(total).isEqualTo(100);
            assertThat(result.getTestAccuracy()).isGreaterThan(0.5);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + logs(), e);
        }
    }

    /**
     * {@code platform-cli export} writes the job's checkpoint as TorchScript with its model.json, and
     * {@code predict} on the first 10 images of the test IDX file gives the classes the evaluation's
     * confusion matrix counted for those 10 (the job evaluates exactly them); PyTorch's own
     * {@code torch.jit.load} of the exported file agrees where Debian's python3-torch is installed.
     */
    @Test
    void anExportedModelPredictsTheClassesTheEvaluationCounted() throws Exception {
        TrainingJob job = job().setDataset(DatasetSpec.newBuilder().setName("fashion-mnist").setMaxTestSamples(10).build())
                .build();
        client.submit(job);
        try {
            EvaluationResult result = client.await(Topics.EVALUATIONS, EvaluationResult.class, job.getJobId(),
                    r -> r.stream().anyMatch(EvaluationResult::getFinalCheckpoint), WAIT).stream()
                    .filter(EvaluationResult::getFinalCheckpoint).findFirst().orElseThrow();
            assertThat(result.getError()).isNull();
            assertThat(result.getNumSamples()).isEqualTo(10);

            Path out = Files.createDirectories(work.resolve("export-" + job.getJobId()));
            CliProcess.Run export = cli("export", job.getJobId(), "--out", out.resolve("model.pt").toString());
            assertThat(export.exitCode()).as(export.output()).isZero();
            assertThat(export.output()).contains(result.getCheckpointId());
            assertThat(out.resolve("model.pt")).isRegularFile();
            Map<?, ?> card = new com.fasterxml.jackson.databind.ObjectMapper().readValue(out.resolve("model.json").toFile(),
                    Map.class);
            assertThat(card.get("checkpointId")).isEqualTo(result.getCheckpointId());
            assertThat(card.get("classNames")).isEqualTo(result.getClassNames());
            assertThat(((Map<?, ?>) card.get("input")).get("shape")).isEqualTo(List.of("batch", 28, 28));
            assertThat(((Map<?, ?>) card.get("metrics")).get("testAccuracy")).isEqualTo(result.getTestAccuracy());

            CliProcess.Run predict = cli("predict", job.getJobId(), "--input", data.resolve("t10k-images-idx3-ubyte.gz").toString(),
                    "--first", "10", "--top", "1");
            assertThat(predict.exitCode()).as(predict.output()).isZero();
            List<Integer> predicted = new ArrayList<>();
            for (String line : predict.output().split("\n")) {
                if (line.startsWith("t10k-images-idx3-ubyte.gz[")) {
                    String className = line.substring(line.indexOf("]  ") + 3, line.lastIndexOf(' '));
                    predicted.add(result.getClassNames().indexOf(className));
                }
            }
            assertThat(predicted).as(predict.output()).hasSize(10).doesNotContain(-1);
            // FashionMnistFiles labels test image i with class i % 10.
            long[][] counted = new long[10][10];
            for (int i = 0; i < 10; i++) {
                counted[i % 10][predicted.get(i)]++;
            }
            for (int actual = 0; actual < 10; actual++) {
                assertThat(counted[actual]).as("row " + actual + " of the confusion matrix")
                        .containsExactly(result.getConfusionMatrix().get(actual).stream().mapToLong(Long::longValue).toArray());
            }

            String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
            if (new ProcessBuilder(python, "-c", "import torch").start().waitFor() == 0) {
                // The README's three lines, on the same 10 images (the IDX file's pixels, as floats).
                Process p = new ProcessBuilder(python, "-c", String.join("\n",
                        "import gzip, numpy, torch",
                        "x = numpy.frombuffer(gzip.open('" + data.resolve("t10k-images-idx3-ubyte.gz") + "').read()[16:], "
                                + "dtype=numpy.uint8)[:7840].reshape(10, 28, 28).astype('float32')",
                        "model = torch.jit.load('" + out.resolve("model.pt") + "'); model.eval()",
                        "print(model(torch.from_numpy(x)).argmax(1).tolist())")).redirectErrorStream(true).start();
                String printed = new String(p.getInputStream().readAllBytes()).strip();
                assertThat(p.waitFor()).as(printed).isZero();
                assertThat(printed).isEqualTo(predicted.toString());
            }
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + logs(), e);
        }
    }

    /**
     * Early stopping and the best checkpoint through both services: the job stops after epoch 2 (no
     * validation loss beats epoch 1's by 1e9), its best (epoch 1, by validation accuracy) and final
     * (epoch 2) checkpoints are both evaluated, and
     * {@code platform-cli result} shows both; {@code export --best} takes the one marked best.
     */
    @Test
    void aJobStoppedEarlyHasItsBestAndItsLastCheckpointEvaluated() throws Exception {
        TrainingJob job = job().setEpochs(6).setBatchSize(4)
                .setValidation(dev.trainingplatform.contract.ValidationSplit.newBuilder().setCount(60).build())
                .setEarlyStopping(new dev.trainingplatform.contract.EarlyStopping("validationLoss", null, 1, 1e9))
                .setCheckpoint(new dev.trainingplatform.contract.CheckpointPolicy(0,
                        new dev.trainingplatform.contract.BestCheckpoint("validationAccuracy", null)))
                .build();
        client.submit(job);
        try {
            List<EvaluationResult> results = client.await(Topics.EVALUATIONS, EvaluationResult.class, job.getJobId(),
                    r -> r.size() >= 2, WAIT);
            assertThat(results).extracting(EvaluationResult::getEpoch).containsExactlyInAnyOrder(1, 2);
            EvaluationResult best = results.stream().filter(r -> r.getEpoch() == 1).findFirst().orElseThrow();
            EvaluationResult last = results.stream().filter(r -> r.getEpoch() == 2).findFirst().orElseThrow();
            List<EpochMetrics> metrics = client.await(Topics.METRICS, EpochMetrics.class, job.getJobId(), m -> m.size() >= 2, WAIT);
            assertThat(metrics.get(1).getStopReason()).startsWith("stopped early after epoch 2");
            // The generated images are easy: in batches of 4 the first epoch already classifies every
            // validation image, so no later epoch can beat it on validation accuracy.
            assertThat(metrics.get(0).getValidationAccuracy()).as("the job's setup, not the platform").isEqualTo(1.0);
            assertThat(metrics).extracting(EpochMetrics::getBest).containsExactly(true, false);
            assertThat(best.getBestCheckpoint()).isTrue();
            assertThat(best.getFinalCheckpoint()).isFalse();
            assertThat(last.getFinalCheckpoint()).isTrue();
            assertThat(last.getBestCheckpoint()).isFalse();
            assertThat(best.getError()).isNull();
            assertThat(last.getError()).isNull();

            CliProcess.Run result = cli("result", job.getJobId());
            assertThat(result.exitCode()).as(result.output()).isZero();
            assertThat(result.output()).contains(last.getCheckpointId(), "best checkpoint (checkpoint.keepBest):",
                    best.getCheckpointId());
            CliProcess.Run export = cli("export", job.getJobId(), "--best", "--out",
                    work.resolve("best-" + job.getJobId() + ".pt").toString());
            assertThat(export.exitCode()).as(export.output()).isZero();
            assertThat(export.output()).contains("exported " + best.getCheckpointId() + " (epoch 1");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + logs(), e);
        }
    }

    static CliProcess.Run cli(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--bootstrap-servers", KafkaBroker.shared().bootstrapServers()));
        return CliProcess.run(ROOT, all);
    }

    /** The endpoints the Kubernetes probes use answer UP on both packaged services. */
    @Test
    void healthEndpointsThatTheProbesUseAreUp() throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        for (int port : new int[] {TRAINER_PORT, EVALUATOR_PORT}) {
            for (String path : List.of("/q/health/started", "/q/health/live", "/q/health/ready")) {
                java.net.URI uri = java.net.URI.create("http://127.0.0.1:" + port + path);
                int status = -1;
                String body = "";
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (status != 200 && System.nanoTime() < deadline) {
                    try {
                        var response = http.send(java.net.http.HttpRequest.newBuilder(uri).build(),
                                java.net.http.HttpResponse.BodyHandlers.ofString());
                        status = response.statusCode();
                        body = response.body();
                    } catch (java.net.ConnectException starting) {
                        Thread.sleep(500);
                    }
                    if (status != 200) {
                        Thread.sleep(500);
                    }
                }
                assertThat(status).as(uri + " " + body).isEqualTo(200);
                assertThat(body).contains("\"status\": \"UP\"");
            }
        }
    }

    @Test
    void anInvalidJobFailsWithItsReasonAndProducesNoCheckpoint() throws Exception {
        TrainingJob bad = job().setEpochs(0).build();
        client.submit(bad);
        JobStatus last = client.await(Topics.STATUS, JobStatus.class, bad.getJobId(),
                s -> s.stream().anyMatch(x -> x.getState() == JobState.FAILED), WAIT).stream()
                .filter(s -> s.getState() == JobState.FAILED).findFirst().orElseThrow();
        assertThat(last.getErrorCode()).isEqualTo(ErrorCode.INVALID_HYPERPARAMETER);
        assertThat(last.getMessage()).contains("epochs must be positive");
    }

    @Test
    void jsonLogsAreSwitchedOnByConfiguration() throws Exception {
        healthEndpointsThatTheProbesUseAreUp(); // both services have started and logged
        // The services' logging, on standard output. What native code writes to standard error
        // (libtorch's own C++ warnings) is outside it and not JSON (README, "Logs").
        List<String> evaluator = Files.readAllLines(LOGS.get(1)).stream().filter(l -> !l.isBlank()).toList();
        List<String> trainer = Files.readAllLines(LOGS.get(0)).stream().filter(l -> !l.isBlank()).toList();
        assertThat(evaluator).isNotEmpty().allSatisfy(line -> assertThat(line)
                .startsWith("{").endsWith("}").contains("\"level\":").contains("\"message\":"));
        assertThat(evaluator).anyMatch(l -> l.contains("started in"));
        // and none of the JVM's log records went to standard error as plain text instead
        assertThat(Files.readAllLines(errors(LOGS.get(1))))
                .noneMatch(l -> l.matches("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d.*"));
        assertThat(trainer).isNotEmpty().noneMatch(l -> l.startsWith("{"));
    }

    private static dev.trainingplatform.contract.Layer layer(String type, Object... args) {
        Map<String, Object> map = new java.util.LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            map.put((String) args[i], args[i + 1]);
        }
        return dev.trainingplatform.contract.Layer.newBuilder().setType(type).setArgs(map).build();
    }

    private static void restart(int index, String name, Path jar, Map<String, String> env) throws Exception {
        SERVICES.get(index).destroyForcibly().waitFor();
        start(name, jar, env);
        SERVICES.set(index, SERVICES.remove(SERVICES.size() - 1));
        LOGS.set(index, LOGS.remove(LOGS.size() - 1));
    }

    private static boolean logContains(int index, String text) {
        try {
            return String.join("\n", output(LOGS.get(index))).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * SIGKILL to the evaluator in the middle of an evaluation (a slow one: a wide convolutional model
     * over 20 000 test images): the checkpoint's record was not acknowledged, so the restarted
     * evaluator evaluates it again. Evaluating one checkpoint twice gives the same figures.
     */
    @Test
    void anEvaluatorKilledMidEvaluationEvaluatesTheCheckpointAfterItsRestart() throws Exception {
        Path big = FashionMnistFiles.write(work.resolve("data/fashion-big"), 200, 20_000, true);
        TrainingJob job = job().setEpochs(1).setEvaluationBatchSize(500)
                .setDataset(DatasetSpec.newBuilder().setName("fashion-mnist").setLocation(big.toString()).build())
                .setModel(ModelSpec.newBuilder().setLayers(List.of(
                        // 28 rows as channels of a 28-long sequence: two wide convolutions make the
                        // evaluation take seconds.
                        layer("conv1d", "filters", 512L, "kernelSize", 3L, "padding", "same"),
                        layer("relu"),
                        layer("conv1d", "filters", 512L, "kernelSize", 3L, "padding", "same"),
                        layer("relu"),
                        layer("globalPool", "mode", "avg"),
                        layer("dense", "units", 10L))).build())
                .build();
        int evaluator = 1;
        Path evaluatorJar = ROOT.resolve("evaluator-service/target/quarkus-app/quarkus-run.jar");
        client.submit(job);
        try {
            Checkpoint checkpoint = client.await(Topics.CHECKPOINTS, Checkpoint.class, job.getJobId(),
                    c -> !c.isEmpty(), WAIT).get(0);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!logContains(evaluator, "evaluating " + checkpoint.getCheckpointId())) {
                assertThat(System.nanoTime()).as("the evaluator started on the checkpoint").isLessThan(deadline);
                Thread.sleep(20);
            }
            Map<String, String> json = new java.util.HashMap<>(trainerEnv);
            json.put("PLATFORM_LOG_JSON", "true");
            restart(evaluator, "evaluator", evaluatorJar, json);
            assertThat(client.readToEnd(Topics.EVALUATIONS, job.getJobId()))
                    .as("killed before it published a result").isEmpty();

            EvaluationResult result = client.await(Topics.EVALUATIONS, EvaluationResult.class, job.getJobId(),
                    r -> !r.isEmpty(), WAIT.plusMinutes(1)).get(0);
            assertThat(result.getError()).isNull();
            assertThat(result.getCheckpointId()).isEqualTo(checkpoint.getCheckpointId());
            assertThat(result.getNumSamples()).isEqualTo(20_000);

            // The same checkpoint delivered once more (as after a crash between publishing and
            // acknowledging): a second result, with the same figures.
            client.send(Topics.CHECKPOINTS, job.getJobId(),
                    dev.trainingplatform.contract.AvroCodec.of(Checkpoint.class).encode(checkpoint));
            List<EvaluationResult> both = client.await(Topics.EVALUATIONS, EvaluationResult.class, job.getJobId(),
                    r -> r.size() >= 2, WAIT);
            assertThat(both.get(1).getCheckpointId()).isEqualTo(result.getCheckpointId());
            assertThat(both.get(1).getTestLoss()).isEqualTo(result.getTestLoss());
            assertThat(both.get(1).getTestAccuracy()).isEqualTo(result.getTestAccuracy());
            assertThat(both.get(1).getConfusionMatrix()).isEqualTo(result.getConfusionMatrix());
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + logs(), e);
        }
    }

    /**
     * SIGKILL to the trainer mid-job, a new trainer in its place: the job's record, never committed,
     * comes back to the new one, which resumes the job as attempt 2 from the latest resume point and
     * computes exactly what the first trainer computed for the epochs both ran.
     */
    @Test
    void aTrainerKilledMidJobIsReplacedAndTheJobResumesFromItsLatestCheckpoint() throws Exception {
        TrainingJob job = job().setEpochs(300)
                .setCheckpoint(dev.trainingplatform.contract.CheckpointPolicy.newBuilder().setEveryEpochs(10).build())
                .build();
        client.submit(job);
        try {
            client.await(Topics.METRICS, EpochMetrics.class, job.getJobId(), m -> m.size() >= 12, WAIT);
            restart(0, "trainer", ROOT.resolve("trainer-service/target/quarkus-app/quarkus-run.jar"), trainerEnv);

            // The dead member's session must expire before its partitions move: allow for it.
            List<JobStatus> statuses = client.await(Topics.STATUS, JobStatus.class, job.getJobId(),
                    s -> s.stream().anyMatch(x -> x.getState() == JobState.SUCCEEDED || x.getState() == JobState.FAILED),
                    WAIT.plusMinutes(2));
            JobStatus last = statuses.get(statuses.size() - 1);
            assertThat(last.getState()).isEqualTo(JobState.SUCCEEDED);
            assertThat(last.getAttempt()).isEqualTo(2);
            assertThat(statuses).extracting(s -> s.getState() + "#" + s.getAttempt())
                    .containsSubsequence("RUNNING#1", "QUEUED#2", "RUNNING#2", "SUCCEEDED#2");
            JobStatus resumed = statuses.stream().filter(s -> s.getState() == JobState.RUNNING && s.getAttempt() == 2)
                    .findFirst().orElseThrow();
            int from = resumed.getEpochsCompleted();
            assertThat(from).isPositive().isLessThan(300);
            assertThat(from % 10).as("resume points are taken at checkpoints").isZero();
            assertThat(resumed.getMessage()).isEqualTo("resumed after epoch " + from);

            List<EpochMetrics> metrics = client.await(Topics.METRICS, EpochMetrics.class, job.getJobId(),
                    m -> m.stream().filter(x -> x.getAttempt() == 2).count() >= 300 - from, WAIT);
            List<EpochMetrics> first = metrics.stream().filter(m -> m.getAttempt() == 1).toList();
            List<EpochMetrics> second = metrics.stream().filter(m -> m.getAttempt() == 2).toList();
            assertThat(second).extracting(EpochMetrics::getEpoch)
                    .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(from + 1, 300).boxed().toList());
            // Attempt 1 got at least as far as the resume point, so no epoch is missing.
            assertThat(first).extracting(EpochMetrics::getEpoch)
                    .startsWith(java.util.stream.IntStream.rangeClosed(1, from).boxed().toArray(Integer[]::new));
            // Epochs both attempts ran (replays, told apart by attempt) have the same figures.
            List<EpochMetrics> replayed = first.stream().filter(m -> m.getEpoch() > from).toList();
            for (EpochMetrics m : replayed) {
                EpochMetrics again = second.get(m.getEpoch() - from - 1);
                assertThat(again.getTrainLoss()).as("epoch " + m.getEpoch()).isEqualTo(m.getTrainLoss());
                assertThat(again.getTrainAccuracy()).as("epoch " + m.getEpoch()).isEqualTo(m.getTrainAccuracy());
            }

            EvaluationResult result = client.await(Topics.EVALUATIONS, EvaluationResult.class, job.getJobId(),
                    r -> r.stream().anyMatch(x -> x.getCheckpointId().endsWith("/epoch-300")), WAIT).stream()
                    .filter(x -> x.getCheckpointId().endsWith("/epoch-300")).findFirst().orElseThrow();
            assertThat(result.getAttempt()).isEqualTo(2);
            assertThat(result.getCheckpointId()).isEqualTo(job.getJobId() + "/attempt-2/epoch-300");

            // The job is over: its resume point is a tombstone and no resume file is left behind.
            List<org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>> points =
                    client.readToEnd(Topics.RESUME_POINTS, job.getJobId());
            assertThat(points.get(points.size() - 1).value()).isNull();
            try (var left = Files.list(work.resolve("checkpoints/resume"))) {
                assertThat(left.toList()).isEmpty();
            }
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + logs(), e);
        }
    }
}
