package dev.trainingplatform.ml.model;

import static dev.trainingplatform.ml.model.Presets.layer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.Layer;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.ml.JobRejectedException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelFactoryTest {

    @Test
    void fashionMnistPresetHasTheTutorialsParameterCountAndTenLogits() {
        ModelSpec spec = Presets.resolve(ModelSpec.newBuilder().setPreset("fashion-mnist-mlp").build());
        ModelFactory.BuiltModel model = ModelFactory.build(spec.getLayers(), new Shape(28, 28));
        // 784*128 + 128 + 128*10 + 10, as Keras' model.summary() of the tutorial reports.
        assertThat(model.parameterCount()).isEqualTo(101_770);
        assertThat(model.outputShape()).isEqualTo(new Shape(10));
    }

    @Test
    void fordaPresetMatchesTheTutorialsShapesAndParameterCount() {
        ModelSpec spec = Presets.resolve(ModelSpec.newBuilder().setPreset("forda-cnn").build());
        ModelFactory.BuiltModel model = ModelFactory.build(spec.getLayers(), new Shape(1, 500));
        // conv (1*3*64+64) + 2 x conv (64*3*64+64) + 3 x layer norm (2*64) + dense (64*2+2)
        assertThat(model.parameterCount()).isEqualTo(256 + 2 * 12_352 + 3 * 128 + 130);
        assertThat(model.outputShape()).isEqualTo(new Shape(2));
    }

    @Test
    void regressionPresetIsTheFourLayerTanhMlp() {
        ModelSpec spec = Presets.resolve(ModelSpec.newBuilder().setPreset("regression-mlp").build());
        ModelFactory.BuiltModel model = ModelFactory.build(spec.getLayers(), new Shape(1));
        assertThat(model.parameterCount()).isEqualTo(20 + 110 + 110 + 11);
        assertThat(model.outputShape()).isEqualTo(new Shape(1));
    }

    @Test
    void cifarPresetHasTheParameterCountOfSamePaddedConvolutions() {
        ModelSpec spec = Presets.resolve(ModelSpec.newBuilder().setPreset("cifar10-cnn").build());
        ModelFactory.BuiltModel model = ModelFactory.build(spec.getLayers(), new Shape(3, 32, 32));
        // conv 3*9*32+32, conv 32*9*64+64, dense (8*8*64)*256+256, dense 256*10+10
        assertThat(model.parameterCount()).isEqualTo(896 + 18_496 + 1_048_832 + 2_570);
        assertThat(model.outputShape()).isEqualTo(new Shape(10));
    }

    @Test
    void imdbPresetHasTheKerasTutorialsParameterCount() {
        ModelSpec spec = Presets.resolve(ModelSpec.newBuilder().setPreset("imdb-transformer").build());
        ModelFactory.BuiltModel model = ModelFactory.build(spec.getLayers(), new Shape(200));
        // Keras' summary: embedding 646 400, transformer block 10 656, dense 660, dense 42.
        assertThat(model.parameterCount()).isEqualTo(646_400 + 10_656 + 660 + 42);
        assertThat(model.outputShape()).isEqualTo(new Shape(2));
    }

    @Test
    void transformerBlockMustMatchTheEmbeddingWidth() {
        assertThatThrownBy(() -> ModelFactory.build(List.of(
                layer("tokenAndPositionEmbedding", "vocabularySize", 100L, "maxLength", 10L, "dim", 8L),
                layer("transformerBlock", "heads", 2L, "dim", 16L, "feedForward", 8L)), new Shape(10)))
                .hasMessageContaining("layer 1 (transformerBlock)").hasMessageContaining("(16, length)");
    }

    @Test
    void convolutionalLayersTrackShapes() {
        List<Layer> layers = List.of(
                layer("conv2d", "filters", 8L, "kernelSize", 3L),
                layer("relu"),
                layer("pool", "mode", "avg", "size", 2L),
                layer("flatten"),
                layer("dense", "units", 4L));
        ModelFactory.BuiltModel model = ModelFactory.build(layers, new Shape(3, 10, 10));
        // conv 3x3 valid: 8x8x8 -> pool: 8x4x4 = 128 -> dense 4
        assertThat(model.parameterCount()).isEqualTo(8 * 3 * 9 + 8 + 128 * 4 + 4);
        assertThat(model.outputShape()).isEqualTo(new Shape(4));
    }

    @Test
    void flattenTakesChannelsFirstOrderUnlessToldChannelsLast() {
        // One (2 channels, 2, 3) image holding 0..11 in (channel, row, column) order.
        assertThat(flattened(layer("flatten"))).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        assertThat(flattened(layer("flatten", "order", "channelsFirst"))).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        // Channels vary fastest: pixel (0,0) of both channels, then pixel (0,1), ...
        assertThat(flattened(layer("flatten", "order", "channelsLast"))).containsExactly(0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11);
        assertThatThrownBy(() -> ModelFactory.build(List.of(layer("flatten", "order", "rowMajor")), new Shape(2, 2, 3)))
                .hasMessageContaining("layer 0 (flatten)").hasMessageContaining("order");
    }

    @Test
    void channelsLastFlattenGivesTheSameValuesWhateverTheLayoutOfItsInput() {
        // A convolution's output laid out channels-last in memory (what Conv2dChannelsLast returns) and
        // the same values contiguous are flattened alike: the order is of values, not of memory.
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray contiguous = manager.arange(24f).reshape(1, 2, 3, 4);
            NDArray channelsLast = Conv2dChannelsLast.channelsLast(contiguous);
            Block flatten = ModelFactory.build(List.of(layer("flatten", "order", "channelsLast")), new Shape(2, 3, 4))
                    .block();
            flatten.initialize(manager, DataType.FLOAT32, new Shape(1, 2, 3, 4));
            float[] a = forward(flatten, manager, contiguous).toFloatArray();
            float[] b = forward(flatten, manager, channelsLast).toFloatArray();
            assertThat(b).containsExactly(a);
            assertThat(a[1]).isEqualTo(12f); // channel 1 of pixel (0,0)
        }
    }

    private static NDArray forward(Block block, NDManager manager, NDArray x) {
        return block.forward(new ai.djl.training.ParameterStore(manager, false), new ai.djl.ndarray.NDList(x), false)
                .singletonOrThrow();
    }

    private static float[] flattened(Layer flatten) {
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelFactory.BuiltModel model = ModelFactory.build(List.of(flatten), new Shape(2, 2, 3));
            assertThat(model.outputShape()).isEqualTo(new Shape(12));
            model.block().initialize(manager, DataType.FLOAT32, new Shape(1, 2, 2, 3));
            return forward(model.block(), manager, manager.arange(12f).reshape(1, 2, 2, 3)).toFloatArray();
        }
    }

    @Test
    void samePaddingKeepsTheLengthOfASequence() {
        ModelFactory.BuiltModel model = ModelFactory.build(List.of(
                layer("conv1d", "filters", 4L, "kernelSize", 3L, "padding", "same"),
                layer("layerNorm", "epsilon", 1e-3),
                layer("globalPool", "mode", "avg")), new Shape(1, 50));
        assertThat(model.outputShape()).isEqualTo(new Shape(4));
    }

    @Test
    void kernelInitializersHaveTheirVariance() {
        // Dense 1000 -> 500: He normal 2/fan-in, Glorot uniform 2/(fan-in + fan-out), LeCun 1/fan-in.
        assertThat(kernelStats(layer("dense", "units", 500L), new Shape(1000)).std()).isCloseTo(Math.sqrt(2.0 / 1000), within(0.001));
        assertThat(kernelStats(layer("dense", "units", 500L, "init", "glorotUniform"), new Shape(1000)).std())
                .isCloseTo(Math.sqrt(2.0 / 1500), within(0.001));
        KernelStats lecun = kernelStats(layer("dense", "units", 500L, "init", "lecunNormal"), new Shape(1000));
        assertThat(lecun.std()).isCloseTo(Math.sqrt(1.0 / 1000), within(0.001));
        // truncated at two standard deviations of the untruncated normal
        assertThat(lecun.maxAbs()).isLessThanOrEqualTo(2 * Math.sqrt(1.0 / 1000) / 0.8796 + 1e-6);
        // A convolution's fan-in is its input channels times the kernel's area: 16 * 3 * 3.
        assertThat(kernelStats(layer("conv2d", "filters", 400L, "kernelSize", 3L, "init", "lecunNormal"), new Shape(16, 8, 8)).std())
                .isCloseTo(Math.sqrt(1.0 / 144), within(0.002));
    }

    @Test
    void unknownInitializerIsRejected() {
        assertThatThrownBy(() -> ModelFactory.build(List.of(layer("dense", "units", 3L, "init", "orthogonal")), new Shape(4)))
                .hasMessageContaining("init").hasMessageContaining("lecunNormal");
    }

    private record KernelStats(double std, double maxAbs) {}

    private static KernelStats kernelStats(Layer layer, Shape input) {
        ModelFactory.BuiltModel model = ModelFactory.build(List.of(layer), input);
        try (NDManager manager = NDManager.newBaseManager()) {
            Block block = model.block();
            block.initialize(manager, DataType.FLOAT32, new Shape(1).addAll(input));
            NDArray weight = block.getParameters().valueAt(0).getArray();
            float[] w = weight.toFloatArray();
            double sum = 0;
            double squares = 0;
            double max = 0;
            for (float v : w) {
                sum += v;
                squares += (double) v * v;
                max = Math.max(max, Math.abs(v));
            }
            double mean = sum / w.length;
            return new KernelStats(Math.sqrt(squares / w.length - mean * mean), max);
        }
    }

    @Test
    void unknownLayerTypeIsNamedWithItsPosition() {
        assertThatThrownBy(() -> ModelFactory.build(List.of(layer("flatten"), layer("densse", "units", 3L)), new Shape(4)))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_LAYER))
                .hasMessageContaining("layer 1 (densse)").hasMessageContaining("dense");
    }

    @Test
    void misspeltArgumentIsRejected() {
        assertThatThrownBy(() -> ModelFactory.build(List.of(layer("dense", "units", 3L, "unitz", 4L)), new Shape(4)))
                .hasMessageContaining("unknown argument 'unitz'");
    }

    @Test
    void denseOnImagesAsksForFlatten() {
        assertThatThrownBy(() -> ModelFactory.build(List.of(layer("dense", "units", 3L)), new Shape(28, 28)))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_MODEL))
                .hasMessageContaining("add a flatten layer");
    }

    @Test
    void kernelLargerThanInputIsRejected() {
        assertThatThrownBy(() -> ModelFactory.build(List.of(layer("conv2d", "filters", 2L, "kernelSize", 5L)), new Shape(1, 3, 3)))
                .hasMessageContaining("layer 0 (conv2d)");
    }

    @Test
    void nonPositiveAndMistypedArgumentsAreRejected() {
        assertThatThrownBy(() -> ModelFactory.build(List.of(layer("flatten"), layer("dense", "units", 0L)), new Shape(4)))
                .hasMessageContaining("'units' must be a positive integer");
        assertThatThrownBy(() -> ModelFactory.build(List.of(layer("flatten"), layer("dense", "units", "many")), new Shape(4)))
                .hasMessageContaining("'units' must be an integer");
        assertThatThrownBy(() -> ModelFactory.build(List.of(layer("dropout", "rate", 1.5)), new Shape(4)))
                .hasMessageContaining("'rate' must be in [0, 1)");
    }

    @Test
    void presetAndLayersTogetherOrNeitherAreRejected() {
        assertThatThrownBy(() -> Presets.resolve(ModelSpec.newBuilder().setPreset("fashion-mnist-mlp")
                .setLayers(List.of(layer("flatten"))).build())).hasMessageContaining("give one of the two");
        assertThatThrownBy(() -> Presets.resolve(ModelSpec.newBuilder().build())).hasMessageContaining("neither");
        assertThatThrownBy(() -> Presets.resolve(ModelSpec.newBuilder().setPreset("resnet-9000").build()))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_PRESET));
    }

    @Test
    void aModelOverTheParameterLimitIsRefusedBeforeTheLayerAllocatesIt() {
        // Two billion units on 1 000 features would ask libtorch for 8 TB.
        assertThatThrownBy(() -> ModelFactory.build(List.of(layer("flatten"), layer("dense", "units", 2_000_000_000L)),
                new Shape(1000), 256, 50_000_000L))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LIMIT_EXCEEDED))
                .hasMessageContaining("layer 1 (dense) brings the model to 2002000000000 parameters")
                .hasMessageContaining("limit of 50000000");
    }

    @Test
    void aLayerListOverTheLayerLimitIsRefusedBeforeAnyLayerIsLookedAt() {
        List<Layer> relus = java.util.Collections.nCopies(100_000, layer("relu"));
        assertThatThrownBy(() -> ModelFactory.build(relus, new Shape(4), 256, Long.MAX_VALUE))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LIMIT_EXCEEDED))
                .hasMessageContaining("100000 layers, more than this service's limit of 256");
    }

    @Test
    void everyLayerKindDeclaresTheParametersItAllocates() {
        // build() compares each layer's declared count with what it allocated and throws on a difference.
        assertThat(ModelFactory.build(List.of(layer("conv2d", "filters", 5L, "kernelSize", 3L), layer("layerNorm"),
                layer("pool", "size", 2L), layer("flatten"), layer("dense", "units", 7L, "bias", false),
                layer("dense", "units", 3L)), new Shape(2, 9, 9)).parameterCount())
                .isEqualTo(2 * 9 * 5 + 5 + 2 * 5 + 5 * 3 * 3 * 7 + 7 * 3 + 3);
        assertThat(ModelFactory.build(List.of(layer("conv1d", "filters", 4L, "kernelSize", 5L), layer("globalPool"),
                layer("dense", "units", 2L)), new Shape(3, 20)).parameterCount()).isEqualTo(3 * 5 * 4 + 4 + 4 * 2 + 2);
        assertThat(ModelFactory.build(List.of(layer("tokenAndPositionEmbedding", "vocabularySize", 50L, "maxLength", 6L,
                "dim", 8L), layer("transformerBlock", "heads", 2L, "dim", 8L, "feedForward", 16L), layer("globalPool"),
                layer("dense", "units", 2L)), new Shape(6)).parameterCount()).isGreaterThan((50 + 6) * 8);
    }

    @Test
    void anIntegralDoubleIsTheIntegerAndAFractionIsAnErrorNamingTheLayerAndArgument() {
        // What Python's avro package sends for units=128 in the args union.
        assertThat(ModelFactory.build(List.of(layer("flatten"), layer("dense", "units", 128.0)), new Shape(4))
                .outputShape().getShape()).containsExactly(128);
        assertThatThrownBy(() -> ModelFactory.build(List.of(layer("flatten"), layer("dense", "units", 128.5)), new Shape(4)))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_MODEL))
                .hasMessageContaining("layer 1 (dense): argument 'units' must be an integer, got 128.5");
    }
}
