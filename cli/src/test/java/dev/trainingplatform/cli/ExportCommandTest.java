package dev.trainingplatform.cli;

import static dev.trainingplatform.ml.model.Presets.layer;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainingplatform.contract.Checkpoint;
import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.Layer;
import dev.trainingplatform.contract.LossType;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.ml.checkpoint.ModelParameters;
import dev.trainingplatform.ml.checkpoint.Sha256;
import dev.trainingplatform.ml.data.ImdbVocabulary;
import dev.trainingplatform.ml.export.TorchScriptModel;
import dev.trainingplatform.ml.model.ModelFactory;
import dev.trainingplatform.ml.testdata.ImdbFiles;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code export} and {@code predict} against a real broker, on checkpoints published as a trainer
 * publishes them (real parameters of the model their layer list builds). The trained presets' exports
 * are checked against the evaluator in ml-core's ModelExportTest and end to end in e2e-tests.
 */
class ExportCommandTest {

    private final CliHarness harness = new CliHarness();

    @TempDir
    Path dir;

    private static final List<Layer> TEXT_MODEL = List.of(
            layer("tokenAndPositionEmbedding", "vocabularySize", 30L, "maxLength", 12L, "dim", 4L),
            layer("globalPool"),
            layer("dense", "units", 2L));

    private static final List<Layer> REGRESSION_MODEL = List.of(
            layer("dense", "units", 5L), layer("tanh"), layer("dense", "units", 1L));

    /** An IMDB job whose text model published a checkpoint after each of {@code epochs} epochs. */
    private String textJob(Path data, int epochs) {
        String job = job();
        for (int e = 1; e <= epochs; e++) {
            checkpoint(job, e, e == epochs, TEXT_MODEL, new Shape(12), imdb(data), List.of("negative", "positive"));
        }
        return job;
    }

    @Test
    void exportWritesTheFinalCheckpointAsTorchScriptWithItsModelCardAndVocabulary() throws Exception {
        Path data = ImdbFiles.write(dir.resolve("imdb"), 1);
        DatasetSpec imdb = imdb(data);
        String job = textJob(data, 2);

        CliHarness.Run run = harness.cliOnBroker("export", job, "--out", dir.resolve("out/review.pt").toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains(job + "/epoch-2");
        Map<?, ?> card = new ObjectMapper().readValue(dir.resolve("out/review.json").toFile(), Map.class);
        assertThat(card.get("checkpointId")).isEqualTo(job + "/epoch-2");
        assertThat(card.get("classNames")).isEqualTo(List.of("negative", "positive"));
        assertThat(card.get("vocabulary")).isEqualTo("review-vocabulary.txt");
        assertThat(((Map<?, ?>) card.get("input")).get("shape")).isEqualTo(List.of("batch", 12));
        assertThat(((Map<?, ?>) card.get("output")).get("shape")).isEqualTo(List.of("batch", 2));
        assertThat(((Map<?, ?>) card.get("metrics")).get("validationLoss")).isEqualTo(0.5);
        // Line i is the word of token id i: Keras' rank r is id r + 3 ("the" has rank 1).
        List<String> vocabulary = Files.readAllLines(dir.resolve("out/review-vocabulary.txt"));
        assertThat(vocabulary).hasSize(30).startsWith("<pad>", "<start>", "<unknown>", "<unused>", "the", "a", "movie");
        // The file is the final checkpoint's model: it runs in DJL as any TorchScript file does.
        float[] ids = ImdbVocabulary.of(imdb, data.resolve("imdb_word_index.json")).ids("The movie was great!");
        assertThat(ids).startsWith(0f).endsWith(1f, 4f, 6f, 8f, 9f);
        try (TorchScriptModel model = new TorchScriptModel(Files.readAllBytes(dir.resolve("out/review.pt")))) {
            assertThat(model.run(ids, new Shape(12), 1)[0]).hasSize(2);
        }
    }

    @Test
    void predictPrintsEachReviewsClassesWithTheExportedModelsProbabilities() throws Exception {
        Path data = ImdbFiles.write(dir.resolve("imdb"), 1);
        DatasetSpec imdb = imdb(data);
        String job = textJob(data, 1);
        Path review = Files.writeString(dir.resolve("review.txt"), "A wonderful film, and the acting was great.");

        CliHarness.Run run = harness.cliOnBroker("predict", job, "--input", review.toString(), "--top", "2");

        assertThat(run.exitCode()).as(run.err()).isZero();
        String line = run.out().lines().filter(l -> l.startsWith("review.txt")).findFirst().orElseThrow();
        float[] logits;
        try (TorchScriptModel model = exported(job)) {
            logits = model.run(ImdbVocabulary.of(imdb, data.resolve("imdb_word_index.json")).ids(
                    Files.readString(review)), new Shape(12), 1)[0];
        }
        double positive = 1 / (1 + Math.exp(logits[0] - logits[1]));
        String expected = positive >= 0.5
                ? String.format(java.util.Locale.ROOT, "positive %.3f  negative %.3f", positive, 1 - positive)
                : String.format(java.util.Locale.ROOT, "negative %.3f  positive %.3f", 1 - positive, positive);
        assertThat(line).isEqualTo("review.txt  " + expected);
    }

    @Test
    void bestTakesTheCheckpointMarkedBestElseTheEpochWithTheLowestValidationLoss() throws Exception {
        String job = job();
        DatasetSpec regression = DatasetSpec.newBuilder().setName("synthetic-regression").build();
        double[] validationLoss = {0.5, 0.3, 0.4};
        for (int e = 1; e <= 3; e++) {
            checkpoint(job, e, e == 3, REGRESSION_MODEL, new Shape(1), regression, List.of());
            metrics(job, e, validationLoss[e - 1]);
        }

        CliHarness.Run run = harness.cliOnBroker("export", job, "--best", "--out", dir.resolve("best.pt").toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains(job + "/epoch-2 (epoch 2");
        Map<?, ?> card = new ObjectMapper().readValue(dir.resolve("best.json").toFile(), Map.class);
        assertThat(card.get("epoch")).isEqualTo(2);
        assertThat(((Map<?, ?>) card.get("metrics")).get("validationLoss")).isEqualTo(0.3);
        assertThat(card.get("vocabulary")).isNull();

        // A checkpoint the job marked best (checkpoint.keepBest) wins over the validation-loss rule.
        String marked = job();
        for (int e = 1; e <= 3; e++) {
            byte[] parameters = parameters(REGRESSION_MODEL, new Shape(1));
            harness.publish(Topics.CHECKPOINTS, marked, Checkpoint.newBuilder().setJobId(marked)
                    .setCheckpointId(marked + "/epoch-" + e).setEpoch(e).setTotalEpochs(3).setFinalCheckpoint(e == 3)
                    .setBest(e == 1).setBestMetric(e == 1 ? 0.9 : null)
                    .setModel(ModelSpec.newBuilder().setLayers(REGRESSION_MODEL).build()).setDataset(regression)
                    .setLoss(LossType.MSE).setParameterCount(ModelFactory.build(REGRESSION_MODEL, new Shape(1)).parameterCount())
                    .setParameters(ByteBuffer.wrap(parameters)).setParametersSha256(Sha256.of(parameters))
                    .setInputShape(List.of(1L)).setTimestamp(Instant.now()).build());
            metrics(marked, e, validationLoss[e - 1]);
        }
        CliHarness.Run keptBest = harness.cliOnBroker("export", marked, "--best", "--out", dir.resolve("kept.pt").toString());
        assertThat(keptBest.exitCode()).as(keptBest.err()).isZero();
        assertThat(keptBest.out()).contains(marked + "/epoch-1 (epoch 1");

        CliHarness.Run named = harness.cliOnBroker("export", job, "--checkpoint", job + "/epoch-1",
                "--out", dir.resolve("first.pt").toString());
        assertThat(named.exitCode()).as(named.err()).isZero();
        assertThat(new ObjectMapper().readValue(dir.resolve("first.json").toFile(), Map.class).get("epoch")).isEqualTo(1);
    }

    @Test
    void predictOnACsvPrintsTheRegressionValueOfEachRow() throws Exception {
        String job = job();
        checkpoint(job, 1, true, REGRESSION_MODEL, new Shape(1), DatasetSpec.newBuilder()
                .setName("synthetic-regression").build(), List.of());
        Path csv = Files.writeString(dir.resolve("x.csv"), "# x\n0.5\n\n2.0\n");

        CliHarness.Run run = harness.cliOnBroker("predict", job, "--input", csv.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        float[][] expected;
        try (TorchScriptModel model = exported(job)) {
            expected = model.run(new float[] {0.5f, 2.0f}, new Shape(1), 2);
        }
        assertThat(run.out()).contains(String.format(java.util.Locale.ROOT, "x.csv:2  %.6g", expected[0][0]))
                .contains(String.format(java.util.Locale.ROOT, "x.csv:4  %.6g", expected[1][0]));
    }

    @Test
    void predictReadsImagesAsTheModelsPixelValues() throws Exception {
        String gray = job();
        checkpoint(gray, 1, true, List.of(layer("rescale", "scale", 1.0 / 255), layer("flatten"), layer("dense", "units", 3L)),
                new Shape(28, 28), DatasetSpec.newBuilder().setName("fashion-mnist").build(), List.of("a", "b", "c"));
        String color = job();
        checkpoint(color, 1, true, List.of(layer("rescale", "scale", 1.0 / 255), layer("conv2d", "filters", 2L,
                "kernelSize", 3L), layer("globalPool"),
                layer("dense", "units", 3L)), new Shape(3, 8, 8), DatasetSpec.newBuilder().setName("cifar10").build(),
                List.of("x", "y", "z"));
        BufferedImage grayImage = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
        float[] grayPixels = new float[28 * 28];
        BufferedImage colorImage = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        float[] colorPixels = new float[3 * 64];
        java.util.Random random = new java.util.Random(3);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                int v = random.nextInt(256);
                grayImage.setRGB(x, y, v << 16 | v << 8 | v);
                grayPixels[y * 28 + x] = v;
                if (x < 8 && y < 8) {
                    int r = random.nextInt(256);
                    int g = random.nextInt(256);
                    int b = random.nextInt(256);
                    colorImage.setRGB(x, y, r << 16 | g << 8 | b);
                    colorPixels[y * 8 + x] = r;
                    colorPixels[64 + y * 8 + x] = g;
                    colorPixels[128 + y * 8 + x] = b;
                }
            }
        }
        Path grayFile = dir.resolve("gray.png");
        Path colorFile = dir.resolve("color.png");
        ImageIO.write(grayImage, "png", grayFile.toFile());
        ImageIO.write(colorImage, "png", colorFile.toFile());

        CliHarness.Run grayRun = harness.cliOnBroker("predict", gray, "--input", grayFile.toString(), "--top", "3");
        CliHarness.Run colorRun = harness.cliOnBroker("predict", color, "--input", colorFile.toString(), "--top", "3");

        assertThat(grayRun.exitCode()).as(grayRun.err()).isZero();
        assertThat(colorRun.exitCode()).as(colorRun.err()).isZero();
        try (TorchScriptModel model = exported(gray)) {
            assertThat(grayRun.out()).contains("gray.png  " + PredictCommand.classes(
                    model.run(grayPixels, new Shape(28, 28), 1)[0], List.of("a", "b", "c"), 3));
        }
        try (TorchScriptModel model = exported(color)) {
            assertThat(colorRun.out()).contains("color.png  " + PredictCommand.classes(
                    model.run(colorPixels, new Shape(3, 8, 8), 1)[0], List.of("x", "y", "z"), 3));
        }
    }

    @Test
    void badRequestsAreOneClearLineAndExitCode2Or3() throws Exception {
        String job = job();
        DatasetSpec regression = DatasetSpec.newBuilder().setName("synthetic-regression").build();
        checkpoint(job, 1, true, REGRESSION_MODEL, new Shape(1), regression, List.of());
        Path csv = Files.writeString(dir.resolve("wide.csv"), "1,2\n");
        Path words = Files.writeString(dir.resolve("words.csv"), "one\n");
        Path image = dir.resolve("big.png");
        ImageIO.write(new BufferedImage(30, 30, BufferedImage.TYPE_INT_RGB), "png", image.toFile());

        assertFails(harness.cliOnBroker("export", job, "--best", "--out", dir.resolve("m.pt").toString()), 2,
                "has no checkpoint marked best and no validation metrics");
        assertFails(harness.cliOnBroker("export", job, "--checkpoint", "nope", "--out", dir.resolve("m.pt").toString()),
                3, "no checkpoint 'nope'", job + "/epoch-1");
        assertFails(harness.cliOnBroker("predict", job, "--input", csv.toString()), 2, "line 1 has 2 values",
                "takes 1 per sample");
        assertFails(harness.cliOnBroker("predict", job, "--input", words.toString()), 2, "'one' is not a number");
        assertFails(harness.cliOnBroker("predict", job, "--input", image.toString()), 2, "not images");
        assertFails(harness.cliOnBroker("predict", job, "--input", dir.resolve("missing.csv").toString()), 2,
                "cannot read");
        assertFails(harness.cliOnBroker("export", "no-such-job-" + UUID.randomUUID()), 3, "no job");
        assertFails(harness.cliOnBroker("export", job, "--input-shape", "0,3"), 2, "positive sizes");
        assertFails(harness.cliOnBroker("export", job, "--input-shape", "1,2,3,4,5"), 2,
                "--input-shape (1, 2, 3, 4, 5) is not a sample shape");
        // A checkpoint claiming a sample of 10^10 values: refused before any model is built for it.
        String huge = job();
        byte[] small = parameters(REGRESSION_MODEL, new Shape(1));
        harness.publish(Topics.CHECKPOINTS, huge, Checkpoint.newBuilder().setJobId(huge).setCheckpointId(huge + "/epoch-1")
                .setEpoch(1).setTotalEpochs(1).setFinalCheckpoint(true)
                .setModel(ModelSpec.newBuilder().setLayers(REGRESSION_MODEL).build()).setDataset(regression)
                .setLoss(LossType.MSE).setParameterCount(16).setParameters(ByteBuffer.wrap(small))
                .setParametersSha256(Sha256.of(small)).setInputShape(List.of(100_000L, 100_000L))
                .setTimestamp(Instant.now()).build());
        assertFails(harness.cliOnBroker("export", huge, "--out", dir.resolve("h.pt").toString()), 2,
                "inputShape (100000, 100000) is not a sample shape");

        // Parameters that are not what the record's SHA-256 says: refused, nothing written.
        String tampered = job();
        byte[] parameters = parameters(REGRESSION_MODEL, new Shape(1));
        publishCheckpoint(tampered, 1, true, REGRESSION_MODEL, new Shape(1), regression, List.of(), parameters,
                Sha256.of(new byte[] {1}));
        assertFails(harness.cliOnBroker("export", tampered, "--out", dir.resolve("t.pt").toString()), 2,
                "SHA-256 does not match");
        assertThat(dir.resolve("t.pt")).doesNotExist();

        // A checkpoint from a trainer before Checkpoint v2 does not say its input shape: --input-shape gives it.
        String old = job();
        publishCheckpoint(old, 1, true, REGRESSION_MODEL, null, regression, List.of(), parameters, Sha256.of(parameters));
        assertFails(harness.cliOnBroker("export", old, "--out", dir.resolve("o.pt").toString()), 2, "--input-shape");
        CliHarness.Run given = harness.cliOnBroker("export", old, "--input-shape", "1", "--out",
                dir.resolve("o.pt").toString());
        assertThat(given.exitCode()).as(given.err()).isZero();

        // An image of the wrong size for an image model: says the size it takes.
        String images = job();
        List<Layer> imageModel = List.of(layer("flatten"), layer("dense", "units", 3L));
        checkpoint(images, 1, true, imageModel, new Shape(28, 28), DatasetSpec.newBuilder().setName("fashion-mnist")
                .build(), List.of("a", "b", "c"));
        assertFails(harness.cliOnBroker("predict", images, "--input", image.toString()), 2, "is 30 x 30 pixels",
                "takes 28 x 28 images");
    }

    private static void assertFails(CliHarness.Run run, int exitCode, String... message) {
        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(exitCode);
        assertThat(run.err().lines().count()).as(run.err()).isEqualTo(1);
        assertThat(run.err()).startsWith("error: ").contains(message);
    }

    private TorchScriptModel exported(String job) throws Exception {
        Path file = dir.resolve(UUID.randomUUID() + ".pt");
        CliHarness.Run run = harness.cliOnBroker("export", job, "--out", file.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        return new TorchScriptModel(Files.readAllBytes(file));
    }

    private String job() {
        String job = "export-" + UUID.randomUUID();
        harness.publish(Topics.STATUS, job, JobStatus.newBuilder().setJobId(job).setState(JobState.SUCCEEDED)
                .setTimestamp(Instant.now()).build());
        return job;
    }

    private static DatasetSpec imdb(Path data) {
        return DatasetSpec.newBuilder().setName("imdb").setLocation(data.toString())
                .setOptions(Map.of("vocabularySize", "30", "maxLength", "12")).build();
    }

    private void metrics(String job, int epoch, double validationLoss) {
        harness.publish(Topics.METRICS, job, EpochMetrics.newBuilder().setJobId(job).setEpoch(epoch).setTotalEpochs(3)
                .setTrainLoss(1.0).setValidationLoss(validationLoss).setTrainSamples(10).setSamplesPerSecond(1)
                .setEpochDurationMs(1).setElapsedMs(1).setEtaMs(0).setTimestamp(Instant.now()).build());
    }

    /** A checkpoint with the parameters the layer list's model is initialized with, and metrics for its epoch. */
    private byte[] checkpoint(String job, int epoch, boolean last, List<Layer> layers, Shape input, DatasetSpec data,
                              List<String> classes) {
        byte[] parameters = parameters(layers, input);
        publishCheckpoint(job, epoch, last, layers, input, data, classes, parameters, Sha256.of(parameters));
        if (!data.getName().equals("synthetic-regression")) {
            metrics(job, epoch, 0.5);
        }
        return parameters;
    }

    private void publishCheckpoint(String job, int epoch, boolean last, List<Layer> layers, Shape input,
                                   DatasetSpec data, List<String> classes, byte[] parameters, String sha) {
        harness.publish(Topics.CHECKPOINTS, job, Checkpoint.newBuilder().setJobId(job)
                .setCheckpointId(job + "/epoch-" + epoch).setEpoch(epoch).setTotalEpochs(3).setFinalCheckpoint(last)
                .setModel(ModelSpec.newBuilder().setLayers(layers).build()).setDataset(data)
                .setLoss(classes.isEmpty() ? LossType.MSE : LossType.SOFTMAX_CROSS_ENTROPY)
                .setParameterCount(ModelFactory.build(layers, input == null ? new Shape(1) : input).parameterCount())
                .setParameters(ByteBuffer.wrap(parameters)).setParametersSha256(sha)
                .setInputShape(input == null ? List.of() : java.util.Arrays.stream(input.getShape()).boxed().toList())
                .setClassNames(classes).setTimestamp(Instant.now()).build());
    }

    private static byte[] parameters(List<Layer> layers, Shape input) {
        try (Model model = Model.newInstance("checkpoint", Device.cpu())) {
            ModelFactory.BuiltModel built = ModelFactory.build(layers, input);
            model.setBlock(built.block());
            built.block().initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1).addAll(input));
            return ModelParameters.save(built.block());
        }
    }
}
