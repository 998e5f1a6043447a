package dev.trainingplatform.ml.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import static dev.trainingplatform.ml.model.Presets.layer;

import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.Layer;
import dev.trainingplatform.contract.LossType;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.contract.OptimizerSpec;
import dev.trainingplatform.contract.OptimizerType;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.ml.checkpoint.ModelParameters;
import dev.trainingplatform.ml.data.DataSources;
import dev.trainingplatform.ml.data.DatasetCatalog;
import dev.trainingplatform.ml.data.LoadedDataset;
import dev.trainingplatform.ml.data.Split;
import dev.trainingplatform.ml.eval.CheckpointEvaluation;
import dev.trainingplatform.ml.model.ModelFactory;
import dev.trainingplatform.ml.testdata.Cifar10Files;
import dev.trainingplatform.ml.testdata.FashionMnistFiles;
import dev.trainingplatform.ml.testdata.FordAFiles;
import dev.trainingplatform.ml.testdata.ImdbFiles;
import dev.trainingplatform.ml.train.Training;
import dev.trainingplatform.ml.train.admission.JobLimits;
import dev.trainingplatform.ml.train.admission.TrainingPlan;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every preset, trained for an epoch on data in its real format, exported: the TorchScript file gives
 * the outputs the evaluator computes for the same checkpoint on 100 test inputs, loaded by DJL and by
 * PyTorch's own {@code torch.jit.load} (Debian's python3-torch 1.13, which .ci/run installs).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelExportTest {

    /** The largest difference allowed between the evaluator's outputs and the exported module's. */
    private static final double TOLERANCE = 1e-4;
    private static final int INPUTS = 100;

    /** The layer kinds and arguments no preset has, on images: their parameters as initialized. */
    private static final String IMAGE_LAYERS = "image layers outside the presets";
    /** The layer kinds and arguments no preset has, on series. */
    private static final String SERIES_LAYERS = "series layers outside the presets";

    private Path dir;
    private final Map<String, Exported> exports = new HashMap<>();

    /** A preset's trained checkpoint, exported, with the evaluator's outputs on 100 test inputs. */
    private record Exported(byte[] torchScript, Split inputs, float[][] evaluatorOutputs) {}

    @BeforeAll
    void data() throws IOException {
        dir = Files.createTempDirectory("model-export");
    }

    @AfterAll
    void removeData() throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fashion-mnist-mlp", "forda-cnn", "regression-mlp", "imdb-transformer", "cifar10-cnn",
            IMAGE_LAYERS, SERIES_LAYERS})
    void djlLoadsTheExportedFileAndGetsTheEvaluatorsOutputs(String preset) throws IOException {
        Exported e = export(preset);
        float[][] outputs;
        try (TorchScriptModel model = new TorchScriptModel(e.torchScript())) {
            outputs = model.run(e.inputs().features(), e.inputs().sampleShape(), e.inputs().size());
        }
        assertClose(preset + " in DJL", outputs, e.evaluatorOutputs());
    }

    @ParameterizedTest
    @ValueSource(strings = {"fashion-mnist-mlp", "forda-cnn", "regression-mlp", "imdb-transformer", "cifar10-cnn",
            IMAGE_LAYERS, SERIES_LAYERS})
    void pytorchLoadsTheExportedFileAndGetsTheEvaluatorsOutputs(String preset) throws Exception {
        String python = pythonWithTorch();
        Exported e = export(preset);
        Path work = Files.createDirectories(dir.resolve("python-" + preset));
        Path model = Files.write(work.resolve("model.pt"), e.torchScript());
        Path inputs = Files.write(work.resolve("inputs.f32"), littleEndian(e.inputs().features()));
        Path outputs = work.resolve("outputs.f32");
        Path script = work.resolve("torch_outputs.py");
        try (InputStream in = getClass().getResourceAsStream("/export/torch_outputs.py")) {
            Files.copy(in, script);
        }
        long[] shape = new Shape(e.inputs().size()).addAll(e.inputs().sampleShape()).getShape();
        StringBuilder dims = new StringBuilder();
        for (long d : shape) {
            dims.append(dims.length() == 0 ? "" : ",").append(d);
        }
        Process p = new ProcessBuilder(python, script.toString(), model.toString(), inputs.toString(), dims.toString(),
                outputs.toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(printed).isZero();
        float[] flat = floats(Files.readAllBytes(outputs));
        float[][] expected = e.evaluatorOutputs();
        int width = expected[0].length;
        assertThat(flat).hasSize(expected.length * width);
        float[][] rows = new float[expected.length][width];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(flat, i * width, rows[i], 0, width);
        }
        assertClose(preset + " in PyTorch (" + printed.strip() + ")", rows, expected);
    }

    private static void assertClose(String what, float[][] actual, float[][] expected) {
        assertThat(actual.length).isEqualTo(expected.length);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).hasSize(expected[i].length);
            for (int j = 0; j < expected[i].length; j++) {
                worst = Math.max(worst, Math.abs(actual[i][j] - expected[i][j]));
            }
        }
        System.out.printf("%s: largest difference from the evaluator's outputs %.3g%n", what, worst);
        assertThat(worst).as(what + ": largest difference from the evaluator's outputs").isLessThan(TOLERANCE);
        // The outputs differ between inputs: a module that ignored its input would not pass.
        assertThat(actual[0]).isNotEqualTo(actual[actual.length - 1]);
    }

    private synchronized Exported export(String preset) throws IOException {
        Exported done = exports.get(preset);
        if (done == null) {
            done = trainAndExport(preset);
            exports.put(preset, done);
        }
        return done;
    }

    private Exported trainAndExport(String preset) throws IOException {
        if (preset.equals(IMAGE_LAYERS)) {
            return initializedAndExported(new Shape(3, 13, 13), List.of(
                    layer("conv2d", "filters", 6L, "kernelSize", 3L, "stride", 2L, "init", "glorotUniform"),
                    layer("gelu"),
                    layer("layerNorm", "epsilon", 1e-4),
                    layer("pool", "mode", "max", "size", 2L, "stride", 1L),
                    layer("conv2d", "filters", 5L, "kernelSize", 2L),
                    layer("sigmoid"),
                    layer("pool", "mode", "avg", "size", 2L),
                    layer("flatten"),
                    layer("dense", "units", 7L, "bias", false),
                    layer("layerNorm"),
                    layer("tanh"),
                    layer("dropout", "rate", 0.3),
                    layer("dense", "units", 4L)));
        }
        if (preset.equals(SERIES_LAYERS)) {
            return initializedAndExported(new Shape(2, 40), List.of(
                    layer("normalize", "mean", List.of(0.5, -1.0), "std", List.of(2.0, 0.25)),
                    layer("conv1d", "filters", 8L, "kernelSize", 4L, "stride", 2L),
                    layer("relu"),
                    layer("pool", "mode", "max", "size", 3L),
                    layer("conv1d", "filters", 4L, "kernelSize", 3L, "padding", "same"),
                    layer("pool", "mode", "avg", "size", 2L),
                    layer("globalPool", "mode", "max"),
                    layer("dense", "units", 3L)));
        }
        Path data = dir.resolve(preset);
        DatasetSpec spec = switch (preset) {
            case "fashion-mnist-mlp" -> dataset("fashion-mnist", FashionMnistFiles.write(data, 300, INPUTS, true), Map.of());
            case "forda-cnn" -> dataset("forda", FordAFiles.write(data, 200, INPUTS, 120), Map.of());
            case "regression-mlp" -> dataset("synthetic-regression", null, Map.of());
            case "imdb-transformer" -> dataset("imdb", ImdbFiles.write(data, INPUTS / 2), Map.of());
            default -> dataset("cifar10", Cifar10Files.writeBinary(data, 40, INPUTS), Map.of("validationSize", "20"));
        };
        LoadedDataset loaded = new DatasetCatalog(new DataSources(Map.of(), List.of(dir), dir.resolve("cache"), false))
                .load(spec);
        LossType loss = preset.equals("regression-mlp") ? LossType.MSE : LossType.SOFTMAX_CROSS_ENTROPY;
        TrainingJob job = TrainingJob.newBuilder().setJobId(preset)
                .setModel(ModelSpec.newBuilder().setPreset(preset).build()).setDataset(spec)
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(1e-3).build())
                .setLoss(loss).setBatchSize(32).setEpochs(1).build();
        TrainingPlan plan = TrainingPlan.of(job, loaded, JobLimits.defaults());
        AtomicReference<byte[]> parameters = new AtomicReference<>();
        Training.run(plan, (result, snapshot) -> parameters.set(snapshot.parameters()));
        CheckpointEvaluation.Claim checkpoint = new CheckpointEvaluation.Claim(plan.model().getLayers(), loss,
                plan.built().parameterCount(), parameters.get());
        Split inputs = loaded.test().head(INPUTS);
        assertThat(inputs.size()).isEqualTo(INPUTS);
        Shape sample = inputs.sampleShape();
        ModelExport.Exported exported = ModelExport.of(checkpoint, sample, 1000, Long.MAX_VALUE);
        assertThat(exported.inputShape()).isEqualTo(sample);
        return new Exported(exported.torchScript(), inputs, evaluatorOutputs(checkpoint, inputs));
    }

    /** A model with the parameters it was initialized with, exported, on 100 random inputs of {@code sample}. */
    private static Exported initializedAndExported(Shape sample, List<Layer> layers) {
        byte[] parameters;
        long count;
        try (Model model = Model.newInstance("initialized", Device.cpu())) {
            ModelFactory.BuiltModel built = ModelFactory.build(layers, sample);
            model.setBlock(built.block());
            built.block().initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1).addAll(sample));
            parameters = ModelParameters.save(built.block());
            count = built.parameterCount();
        }
        Random random = new Random(7);
        float[] features = new float[Math.toIntExact(INPUTS * sample.size())];
        for (int i = 0; i < features.length; i++) {
            features[i] = (float) random.nextGaussian() * 2;
        }
        Split inputs = new Split(features, sample, new float[INPUTS]);
        CheckpointEvaluation.Claim checkpoint = new CheckpointEvaluation.Claim(layers, LossType.SOFTMAX_CROSS_ENTROPY,
                count, parameters);
        ModelExport.Exported exported = ModelExport.of(checkpoint, sample, 1000, Long.MAX_VALUE);
        return new Exported(exported.torchScript(), inputs, evaluatorOutputs(checkpoint, inputs));
    }

    /** What the evaluator's forward pass gives for the checkpoint on these inputs (TestSetEvaluation's call). */
    private static float[][] evaluatorOutputs(CheckpointEvaluation.Claim checkpoint, Split inputs) {
        try (Model model = Model.newInstance("evaluator", Device.cpu())) {
            ModelFactory.BuiltModel built = CheckpointEvaluation.load(checkpoint, inputs.sampleShape(), 1000,
                    Long.MAX_VALUE, model);
            NDArray x = model.getNDManager().create(inputs.features(),
                    new Shape(inputs.size()).addAll(inputs.sampleShape()));
            NDArray out = built.block().forward(new ParameterStore(model.getNDManager(), false), new NDList(x), false)
                    .singletonOrThrow();
            float[] flat = out.toFloatArray();
            int width = flat.length / inputs.size();
            float[][] rows = new float[inputs.size()][width];
            for (int i = 0; i < rows.length; i++) {
                System.arraycopy(flat, i * width, rows[i], 0, width);
            }
            return rows;
        }
    }

    private static DatasetSpec dataset(String name, Path location, Map<String, String> options) {
        DatasetSpec.Builder b = DatasetSpec.newBuilder().setName(name).setOptions(new HashMap<>(options));
        if (location != null) {
            b.setLocation(location.toString());
        }
        return b.build();
    }

    /** Debian's Python with python3-torch (what .ci/run installs), or a skip saying so. */
    static String pythonWithTorch() throws Exception {
        String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        boolean has;
        try {
            Process p = new ProcessBuilder(python, "-c", "import torch, numpy").redirectErrorStream(true).start();
            has = p.waitFor(2, TimeUnit.MINUTES) && p.exitValue() == 0;
        } catch (IOException e) {
            has = false;
        }
        assumeThat(has).as("Debian's python3-torch is not installed (.ci/run installs it): apt-get install python3-torch")
                .isTrue();
        return python;
    }

    private static byte[] littleEndian(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b.array();
    }

    private static float[] floats(byte[] bytes) {
        float[] out = new float[bytes.length / Float.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }
}
