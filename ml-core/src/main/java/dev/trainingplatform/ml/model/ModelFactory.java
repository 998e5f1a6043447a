package dev.trainingplatform.ml.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.Pair;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.Layer;
import dev.trainingplatform.ml.DjlRuntime;
import dev.trainingplatform.ml.JobRejectedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Builds a DJL {@link SequentialBlock} from the contract's layer list. Input tensors are
 * channels-first: (features), (channels, length) or (channels, height, width), batch axis first.
 * Every layer is checked against the shape it receives, so a wrong model is rejected with the
 * offending layer named before any training starts.
 */
public final class ModelFactory {

    public static final Set<String> LAYER_TYPES = new TreeSet<>(List.of(
            "dense", "relu", "tanh", "sigmoid", "gelu", "flatten", "rescale", "normalize", "dropout",
            "conv1d", "conv2d", "layerNorm", "pool", "globalPool", "randomFlip", "randomResizedCrop",
            "tokenAndPositionEmbedding", "transformerBlock"));

    private ModelFactory() {}

    /** A model checked against its input shape: the block (not yet initialized) and what it produces. */
    public record BuiltModel(SequentialBlock block, Shape inputShape, Shape outputShape, long parameterCount) {}

    /**
     * @param inputShape shape of one sample, without the batch axis
     */
    public static BuiltModel build(List<Layer> layers, Shape inputShape) {
        return build(layers, inputShape, Integer.MAX_VALUE, Long.MAX_VALUE);
    }

    /**
     * Refuses a layer list over {@code maxLayers} before looking at a layer, and a model over
     * {@code maxParameters} before the layer that would pass it allocates its parameters: each
     * layer's count comes from its arguments and input shape ({@link #parametersOf}).
     */
    public static BuiltModel build(List<Layer> layers, Shape inputShape, int maxLayers, long maxParameters) {
        checkLayerCount(layers, maxLayers);
        DjlRuntime.engine();
        List<Shape> inputs = new ArrayList<>();
        Shape shape = inputShape;
        long parameters = 0;
        try (NDManager scratch = NDManager.newBaseManager()) {
            for (int i = 0; i < layers.size(); i++) {
                LayerArgs args = new LayerArgs(i, layers.get(i));
                Block block = layer(args, shape);
                args.rejectUnknown();
                long declared = parametersOf(args, shape);
                if (sum(parameters, declared) > maxParameters) {
                    throw new JobRejectedException(ErrorCode.LIMIT_EXCEEDED, args.where() + " brings the model to "
                            + sum(parameters, declared) + " parameters, more than this service's limit of " + maxParameters);
                }
                Shape batched = new Shape(1).addAll(shape);
                Shape out;
                try {
                    block.initialize(scratch, DataType.FLOAT32, batched);
                    out = block.getOutputShapes(new Shape[] {batched})[0];
                    // Some shape errors only show when the engine runs the layer: run it once.
                    NDArray probe = block.forward(new ai.djl.training.ParameterStore(scratch, false),
                            new NDList(scratch.zeros(batched)), false).singletonOrThrow();
                    if (!probe.getShape().equals(out)) {
                        throw new IllegalStateException("produces " + probe.getShape().slice(1)
                                + " where " + out.slice(1) + " was expected");
                    }
                } catch (RuntimeException e) {
                    throw args.invalid("cannot take input of shape " + shape + ": " + e.getMessage());
                }
                for (long d : out.getShape()) {
                    if (d <= 0) {
                        throw args.invalid("input of shape " + shape + " gives an empty output " + out.slice(1));
                    }
                }
                long allocated = 0;
                for (Pair<String, Parameter> p : block.getParameters()) {
                    allocated += p.getValue().getArray().size();
                }
                if (allocated != declared) {
                    // parametersOf and the block disagree: a bug here, never the job's fault.
                    throw new IllegalStateException(args.where() + ": " + allocated + " parameters allocated but "
                            + declared + " declared by ModelFactory.parametersOf");
                }
                parameters += allocated;
                inputs.add(shape);
                shape = out.slice(1);
            }
        }
        // The checked blocks hold parameters in the scratch manager; the model gets fresh ones.
        SequentialBlock model = new SequentialBlock();
        for (int i = 0; i < layers.size(); i++) {
            model.add(layer(new LayerArgs(i, layers.get(i)), inputs.get(i)));
        }
        return new BuiltModel(model, inputShape, shape, parameters);
    }

    /** Refuses an empty layer list and one over {@code maxLayers}, before any layer is looked at. */
    public static void checkLayerCount(List<Layer> layers, int maxLayers) {
        if (layers == null || layers.isEmpty()) {
            throw new JobRejectedException(ErrorCode.INVALID_MODEL, "the model has no layers");
        }
        if (layers.size() > maxLayers) {
            throw new JobRejectedException(ErrorCode.LIMIT_EXCEEDED, "the model has " + layers.size()
                    + " layers, more than this service's limit of " + maxLayers);
        }
    }

    /** Refuses a layer type outside the vocabulary, naming the layer, without building anything. */
    public static void checkLayerTypes(List<Layer> layers) {
        for (int i = 0; i < layers.size(); i++) {
            String type = layers.get(i).getType();
            if (!LAYER_TYPES.contains(type)) {
                throw unknownType(new LayerArgs(i, layers.get(i)).where(), type);
            }
        }
    }

    private static JobRejectedException unknownType(String where, String type) {
        return new JobRejectedException(ErrorCode.UNKNOWN_LAYER, where + ": unknown layer type '" + type
                + "'; known types: " + String.join(", ", LAYER_TYPES));
    }

    /**
     * How many parameters a layer will allocate for an input of shape {@code in}, from its arguments
     * alone. Saturates at Long.MAX_VALUE instead of overflowing.
     */
    static long parametersOf(LayerArgs a, Shape in) {
        switch (a.type()) {
            case "dense": {
                long units = a.positiveInt("units");
                return sum(product(in.get(0), units), a.flag("bias", true) ? units : 0);
            }
            case "conv1d":
            case "conv2d": {
                int dims = a.type().equals("conv1d") ? 1 : 2;
                long filters = a.positiveInt("filters");
                long kernel = a.positiveInt("kernelSize");
                long perFilter = in.get(0);
                for (int d = 0; d < dims; d++) {
                    perFilter = product(perFilter, kernel);
                }
                return sum(product(perFilter, filters), filters);
            }
            case "layerNorm":
                return product(2, in.get(0));
            case "tokenAndPositionEmbedding": {
                long dim = a.positiveInt("dim");
                return product(sum(a.positiveInt("vocabularySize"), a.positiveInt("maxLength")), dim);
            }
            case "transformerBlock": {
                long heads = a.positiveInt("heads");
                long dim = a.positiveInt("dim");
                long ff = a.positiveInt("feedForward");
                long projected = product(heads, dim);
                long attention = sum(product(3, sum(product(dim, projected), projected)), sum(product(projected, dim), dim));
                long feedForward = sum(sum(product(dim, ff), ff), sum(product(ff, dim), dim));
                return sum(sum(attention, feedForward), product(4, dim));
            }
            default:
                return 0;
        }
    }

    private static long product(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static long sum(long a, long b) {
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** The kernel initializer a dense or convolution layer asks for; He normal is DJL's default. */
    private static Initializer weightInitializer(LayerArgs a) {
        switch (a.choice("init", "heNormal", "heNormal", "glorotUniform", "lecunNormal")) {
            case "glorotUniform":
                // DJL scales by the mean of fan-in and fan-out: magnitude 3 gives Glorot's 6 / (in + out).
                return new XavierInitializer(XavierInitializer.RandomType.UNIFORM, XavierInitializer.FactorType.AVG, 3f);
            case "lecunNormal":
                return new LecunNormalInitializer();
            default:
                return new XavierInitializer(XavierInitializer.RandomType.GAUSSIAN, XavierInitializer.FactorType.IN, 2f);
        }
    }

    private static Block layer(LayerArgs a, Shape in) {
        String type = a.type();
        switch (type) {
            case "dense": {
                if (in.dimension() != 1) {
                    throw a.invalid("expects flat features but gets shape " + in + "; add a flatten layer before it");
                }
                long units = a.positiveInt("units");
                boolean bias = a.flag("bias", true);
                Linear linear = Linear.builder().setUnits(units).optBias(bias).build();
                linear.setInitializer(weightInitializer(a), Parameter.Type.WEIGHT);
                if (bias) {
                    linear.setInitializer(new ConstantInitializer((float) a.number("biasInit", 0.0)), Parameter.Type.BIAS);
                }
                return linear;
            }
            case "relu":
                return Activation.reluBlock();
            case "tanh":
                return Activation.tanhBlock();
            case "sigmoid":
                return Activation.sigmoidBlock();
            case "gelu":
                return Activation.geluBlock();
            case "flatten": {
                String order = a.choice("order", "channelsFirst", "channelsFirst", "channelsLast");
                if (order.equals("channelsFirst") || in.dimension() < 2) {
                    return Blocks.batchFlattenBlock();
                }
                // Channels vary fastest, as Keras and Flax flatten images. A convolution's
                // channels-last output (Conv2dChannelsLast) is then flattened as a view and its
                // gradient comes back channels-last; in (channels, height, width) order both were
                // copies and the pooling and ReLU before it ran backward on mixed layouts.
                int[] channelsToLast = channelsToLast(in.dimension() + 1);
                return new LambdaBlock(x -> {
                    NDArray h = x.singletonOrThrow();
                    return new NDList(h.transpose(channelsToLast).reshape(h.getShape().get(0), -1));
                }, "flattenChannelsLast");
            }
            case "rescale": {
                float scale = (float) a.number("scale");
                float offset = (float) a.number("offset", 0.0);
                return new LambdaBlock(x -> new NDList(x.singletonOrThrow().mul(scale).add(offset)), "rescale");
            }
            case "normalize": {
                double[] mean = a.numbers("mean");
                double[] std = a.numbers("std");
                if (mean.length != std.length) {
                    throw a.invalid("'mean' and 'std' must have the same length");
                }
                if (in.dimension() < 2 || in.get(0) != mean.length) {
                    throw a.invalid("normalizes " + mean.length + " channels but gets shape " + in);
                }
                for (double d : std) {
                    if (d <= 0) {
                        throw a.invalid("'std' must be positive");
                    }
                }
                float[] m = toFloats(mean);
                float[] sd = toFloats(std);
                long[] perChannel = new long[in.dimension()];
                java.util.Arrays.fill(perChannel, 1);
                perChannel[0] = mean.length;
                Shape channelShape = new Shape(perChannel);
                return new LambdaBlock(x -> {
                    NDArray data = x.singletonOrThrow();
                    NDManager mgr = data.getManager();
                    return new NDList(data.sub(mgr.create(m, channelShape)).div(mgr.create(sd, channelShape)));
                }, "normalize");
            }
            case "dropout":
                return Dropout.builder().optRate((float) a.fraction("rate", 0.5)).build();
            case "conv1d":
            case "conv2d": {
                int dims = type.equals("conv1d") ? 1 : 2;
                if (in.dimension() != dims + 1) {
                    throw a.invalid("expects (channels" + (dims == 1 ? ", length)" : ", height, width)")
                            + " but gets shape " + in);
                }
                long filters = a.positiveInt("filters");
                long kernel = a.positiveInt("kernelSize");
                long stride = a.positiveInt("stride", 1);
                String padding = a.choice("padding", "valid", "valid", "same");
                long pad = 0;
                if (padding.equals("same")) {
                    if (kernel % 2 == 0 || stride != 1) {
                        throw a.invalid("'same' padding needs an odd kernelSize and stride 1");
                    }
                    pad = kernel / 2;
                }
                Shape k = repeat(kernel, dims);
                Shape st = repeat(stride, dims);
                Shape p = repeat(pad, dims);
                Block conv = dims == 1
                        ? new Conv1dAs2d(Conv1d.builder().setFilters((int) filters).setKernelShape(k).optStride(st).optPadding(p))
                        : new Conv2dChannelsLast(Conv2d.builder().setFilters((int) filters).setKernelShape(k).optStride(st).optPadding(p));
                conv.setInitializer(weightInitializer(a), Parameter.Type.WEIGHT);
                return conv;
            }
            case "layerNorm": {
                float eps = (float) a.number("epsilon", 1e-5);
                if (eps <= 0) {
                    throw a.invalid("'epsilon' must be positive");
                }
                // Over the channels of each position, as Keras' LayerNormalization(axis=-1) does on
                // channels-last data. PyTorch normalizes trailing axes only, so channels-first input
                // is turned channels-last around the normalization.
                LayerNorm norm = LayerNorm.builder().axis(in.dimension()).optEpsilon(eps).build();
                if (in.dimension() == 1) {
                    return norm;
                }
                int[] toLast = channelsToLast(in.dimension() + 1);
                int[] back = new int[toLast.length];
                for (int i = 0; i < toLast.length; i++) {
                    back[toLast[i]] = i;
                }
                return new SequentialBlock()
                        .add(new LambdaBlock(x -> new NDList(x.singletonOrThrow().transpose(toLast)), "channelsLast"))
                        .add(norm)
                        .add(new LambdaBlock(x -> new NDList(x.singletonOrThrow().transpose(back)), "channelsFirst"));
            }
            case "pool": {
                String mode = a.choice("mode", "max", "max", "avg");
                long size = a.positiveInt("size");
                long stride = a.positiveInt("stride", size);
                int dims = in.dimension() - 1;
                if (dims != 1 && dims != 2) {
                    throw a.invalid("pools (channels, length) or (channels, height, width) but gets shape " + in);
                }
                Shape k = repeat(size, dims);
                Shape st = repeat(stride, dims);
                if (mode.equals("max")) {
                    return dims == 1 ? Pool.maxPool1dBlock(k, st) : Pool.maxPool2dBlock(k, st);
                }
                return dims == 1 ? Pool.avgPool1dBlock(k, st) : Pool.avgPool2dBlock(k, st);
            }
            case "globalPool": {
                String mode = a.choice("mode", "avg", "max", "avg");
                int dims = in.dimension() - 1;
                if (dims != 1 && dims != 2) {
                    throw a.invalid("pools (channels, length) or (channels, height, width) but gets shape " + in);
                }
                if (mode.equals("max")) {
                    return dims == 1 ? Pool.globalMaxPool1dBlock() : Pool.globalMaxPool2dBlock();
                }
                return dims == 1 ? Pool.globalAvgPool1dBlock() : Pool.globalAvgPool2dBlock();
            }
            case "randomFlip":
            case "randomResizedCrop": {
                if (in.dimension() != 3) {
                    throw a.invalid("augments (channels, height, width) images but gets shape " + in);
                }
                if (type.equals("randomFlip")) {
                    return RandomImageAugmentation.horizontalFlip();
                }
                double scaleMin = a.number("scaleMin", 0.08);
                double scaleMax = a.number("scaleMax", 1.0);
                double ratioMin = a.number("ratioMin", 3.0 / 4);
                double ratioMax = a.number("ratioMax", 4.0 / 3);
                if (!(0 < scaleMin && scaleMin <= scaleMax && scaleMax <= 1) || !(0 < ratioMin && ratioMin <= ratioMax)) {
                    throw a.invalid("needs 0 < scaleMin <= scaleMax <= 1 and 0 < ratioMin <= ratioMax");
                }
                return RandomImageAugmentation.resizedCrop(scaleMin, scaleMax, ratioMin, ratioMax);
            }
            case "tokenAndPositionEmbedding": {
                long vocabulary = a.positiveInt("vocabularySize");
                long length = a.positiveInt("maxLength");
                long dim = a.positiveInt("dim");
                if (in.dimension() != 1 || in.get(0) != length) {
                    throw a.invalid("expects (" + length + ") token ids but gets shape " + in);
                }
                return new TokenAndPositionEmbedding(vocabulary, length, dim);
            }
            case "transformerBlock": {
                long heads = a.positiveInt("heads");
                long dim = a.positiveInt("dim");
                long feedForward = a.positiveInt("feedForward");
                float dropout = (float) a.fraction("dropout", 0.1);
                float eps = (float) a.number("epsilon", 1e-6);
                if (eps <= 0) {
                    throw a.invalid("'epsilon' must be positive");
                }
                if (in.dimension() != 2 || in.get(0) != dim) {
                    throw a.invalid("expects a (" + dim + ", length) sequence but gets shape " + in);
                }
                return new TransformerBlock((int) heads, dim, feedForward, dropout, eps);
            }
            default:
                throw unknownType(a.where(), type);
        }
    }

    /** The axes of a batched channels-first array in the order that moves the channels last. */
    private static int[] channelsToLast(int rank) {
        int[] axes = new int[rank];
        for (int i = 0; i < rank; i++) {
            axes[i] = i == 0 ? 0 : i == rank - 1 ? 1 : i + 1;
        }
        return axes;
    }

    private static Shape repeat(long value, int times) {
        long[] dims = new long[times];
        java.util.Arrays.fill(dims, value);
        return new Shape(dims);
    }

    private static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
