package dev.trainingplatform.ml.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
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
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.ml.JobRejectedException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The layer vocabulary, one class per layer kind: each reads its arguments, builds its DJL block for
 * the input shape it receives (refusing a shape it cannot take, with the fix), counts the parameters
 * it will allocate before it allocates them, and, where it has one, gives its TorchScript form. The
 * vocabulary is exactly the kinds registered here (schemas/README.md lists them for users).
 */
final class LayerKinds {

    /** One layer type of the vocabulary. */
    interface LayerKind {
        /** The block for an input of shape {@code in} (one sample, without the batch axis). */
        Block build(LayerArgs a, Shape in);

        /** How many parameters the block will allocate for {@code in}; saturates instead of overflowing. */
        default long parameters(LayerArgs a, Shape in) {
            return 0;
        }

        /** Its TorchScript form without parameters, or null where it has none (ScriptedModel). */
        default ScriptedModel.Stateless script(LayerArgs a) {
            return null;
        }

        /**
         * Its inference form for a model export (InferenceScript): the TorchScript expression of its
         * output from the variable {@code in}, a batch of {@code shape}, reading {@code block}'s loaded
         * parameters; what the block computes outside training. The stateless kinds have their scripted form.
         */
        default String inference(LayerArgs a, Block block, Shape shape, InferenceScript s, String in) {
            ScriptedModel.Stateless scripted = script(a);
            if (scripted == null) {
                throw new IllegalStateException(a.where() + " has no inference form");
            }
            return scripted.output(in);
        }
    }

    /** A layer that is the identity outside training (dropout, augmentation). */
    interface TrainingOnly extends LayerKind {
        @Override
        default String inference(LayerArgs a, Block block, Shape shape, InferenceScript s, String in) {
            return in;
        }
    }

    private static final Map<String, LayerKind> KINDS = new LinkedHashMap<>();

    static {
        KINDS.put("dense", new Dense());
        KINDS.put("relu", new ActivationKind(Activation::reluBlock,
                // As autograd: ReLU's gradient passes where its output is positive.
                new ScriptedModel.Stateless("torch.relu(%s)", "torch.threshold_backward(%1$s, %3$s, 0)")));
        KINDS.put("tanh", new ActivationKind(Activation::tanhBlock,
                new ScriptedModel.Stateless("torch.tanh(%s)", "torch.tanh_backward(%1$s, %3$s)")));
        KINDS.put("sigmoid", new ActivationKind(Activation::sigmoidBlock,
                new ScriptedModel.Stateless("torch.sigmoid(%s)", "torch.sigmoid_backward(%1$s, %3$s)")));
        KINDS.put("gelu", new ActivationKind(Activation::geluBlock,
                new ScriptedModel.Stateless("torch.gelu(%s)", "torch.gelu_backward(%1$s, %2$s)")));
        KINDS.put("flatten", new Flatten());
        KINDS.put("rescale", new Rescale());
        KINDS.put("normalize", new Normalize());
        KINDS.put("dropout", new DropoutKind());
        KINDS.put("conv1d", new Convolution(1));
        KINDS.put("conv2d", new Convolution(2));
        KINDS.put("layerNorm", new LayerNormKind());
        KINDS.put("pool", new PoolKind());
        KINDS.put("globalPool", new GlobalPool());
        KINDS.put("randomFlip", new RandomFlip());
        KINDS.put("randomResizedCrop", new RandomResizedCrop());
        KINDS.put("tokenAndPositionEmbedding", new Embedding());
        KINDS.put("transformerBlock", new Transformer());
    }

    /** Every layer type of the vocabulary, sorted. */
    static final Set<String> TYPES = new TreeSet<>(KINDS.keySet());

    private LayerKinds() {}

    /** The kind of a layer, or UNKNOWN_LAYER naming the layer and the known types. */
    static LayerKind of(String where, String type) {
        LayerKind kind = KINDS.get(type);
        if (kind == null) {
            throw new JobRejectedException(ErrorCode.UNKNOWN_LAYER, where + ": unknown layer type '" + type
                    + "'; known types: " + String.join(", ", TYPES));
        }
        return kind;
    }

    static LayerKind of(LayerArgs a) {
        return of(a.where(), a.type());
    }

    static boolean isDense(LayerArgs a) {
        return KINDS.get(a.type()) instanceof Dense;
    }

    // ---- One class per kind ---------------------------------------------------------------------

    static final class Dense implements LayerKind {
        @Override
        public Block build(LayerArgs a, Shape in) {
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

        @Override
        public long parameters(LayerArgs a, Shape in) {
            long units = a.positiveInt("units");
            return sum(product(in.get(0), units), a.flag("bias", true) ? units : 0);
        }

        @Override
        public String inference(LayerArgs a, Block block, Shape shape, InferenceScript s, String in) {
            String bias = a.flag("bias", true) ? s.parameter(block, "bias") : "None";
            return InferenceScript.call("torch.linear", in, s.parameter(block, "weight"), bias);
        }
    }

    /** A stateless activation: the same block and TorchScript form whatever the input. */
    record ActivationKind(Supplier<Block> block, ScriptedModel.Stateless scripted) implements LayerKind {
        @Override
        public Block build(LayerArgs a, Shape in) {
            return block.get();
        }

        @Override
        public ScriptedModel.Stateless script(LayerArgs a) {
            return scripted;
        }
    }

    static final class Flatten implements LayerKind {
        private static boolean channelsLast(LayerArgs a) {
            return a.choice("order", "channelsFirst", "channelsFirst", "channelsLast").equals("channelsLast");
        }

        @Override
        public Block build(LayerArgs a, Shape in) {
            if (!channelsLast(a) || in.dimension() < 2) {
                return Blocks.batchFlattenBlock();
            }
            // Channels vary fastest, as Keras and Flax flatten images. A convolution's channels-last
            // output (Conv2dChannelsLast) is then flattened as a view and its gradient comes back
            // channels-last; in (channels, height, width) order both were copies and the pooling and
            // ReLU before it ran backward on mixed layouts.
            int[] channelsToLast = channelsToLast(in.dimension() + 1);
            return new LambdaBlock(x -> {
                NDArray h = x.singletonOrThrow();
                return new NDList(h.transpose(channelsToLast).reshape(h.getShape().get(0), -1));
            }, "flattenChannelsLast");
        }

        @Override
        public ScriptedModel.Stateless script(LayerArgs a) {
            // Where a gradient reaches a flatten (after a dense layer), its input is already
            // (batch, features), which either order leaves as it is: the gradient passes unchanged.
            return channelsLast(a)
                    ? new ScriptedModel.Stateless("torch.flatten(torch.movedim(%s, 1, -1), 1)", "%1$s")
                    : new ScriptedModel.Stateless("torch.flatten(%s, 1)", "%1$s");
        }
    }

    static final class Rescale implements LayerKind {
        @Override
        public Block build(LayerArgs a, Shape in) {
            float scale = (float) a.number("scale");
            float offset = (float) a.number("offset", 0.0);
            return new LambdaBlock(x -> new NDList(x.singletonOrThrow().mul(scale).add(offset)), "rescale");
        }

        @Override
        public ScriptedModel.Stateless script(LayerArgs a) {
            // The float constants DJL's LambdaBlock multiplies and adds, widened exactly.
            String scale = ScriptedModel.literal((float) a.number("scale"));
            float offset = (float) a.number("offset", 0.0);
            // Adding a zero offset (Fashion-MNIST's) changes no value: one pass over the batch fewer.
            String output = offset == 0 ? "torch.mul(%s, " + scale + ")"
                    : "torch.add(torch.mul(%s, " + scale + "), " + ScriptedModel.literal(offset) + ")";
            return new ScriptedModel.Stateless(output, "torch.mul(%1$s, " + scale + ")");
        }
    }

    static final class Normalize implements LayerKind {
        @Override
        public Block build(LayerArgs a, Shape in) {
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

        @Override
        public String inference(LayerArgs a, Block block, Shape shape, InferenceScript s, String in) {
            double[] mean = a.numbers("mean");
            long[] perChannel = new long[shape.dimension()];
            java.util.Arrays.fill(perChannel, 1);
            perChannel[0] = mean.length;
            String centred = InferenceScript.call("torch.sub", in, s.constant(toFloats(mean), perChannel));
            return InferenceScript.call("torch.div", centred, s.constant(toFloats(a.numbers("std")), perChannel));
        }
    }

    static final class DropoutKind implements TrainingOnly {
        @Override
        public Block build(LayerArgs a, Shape in) {
            return Dropout.builder().optRate((float) a.fraction("rate", 0.5)).build();
        }
    }

    /** conv1d and conv2d: channels-last convolutions with their bias added by libtorch (docs/performance.md). */
    static final class Convolution implements LayerKind {
        private final int dims;

        Convolution(int dims) {
            this.dims = dims;
        }

        @Override
        public Block build(LayerArgs a, Shape in) {
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

        @Override
        public long parameters(LayerArgs a, Shape in) {
            long filters = a.positiveInt("filters");
            long kernel = a.positiveInt("kernelSize");
            long perFilter = in.get(0);
            for (int d = 0; d < dims; d++) {
                perFilter = product(perFilter, kernel);
            }
            return sum(product(perFilter, filters), filters);
        }

        @Override
        public String inference(LayerArgs a, Block block, Shape shape, InferenceScript s, String in) {
            long kernel = a.positiveInt("kernelSize");
            long stride = a.positiveInt("stride", 1);
            long pad = a.choice("padding", "valid", "valid", "same").equals("same") ? kernel / 2 : 0;
            return InferenceScript.call("torch.conv" + dims + "d", in, s.parameter(block, "weight"),
                    s.parameter(block, "bias"), InferenceScript.ints(repeat(stride, dims).getShape()),
                    InferenceScript.ints(repeat(pad, dims).getShape()));
        }
    }

    static final class LayerNormKind implements LayerKind {
        @Override
        public Block build(LayerArgs a, Shape in) {
            float eps = (float) a.number("epsilon", 1e-5);
            if (eps <= 0) {
                throw a.invalid("'epsilon' must be positive");
            }
            // Over the channels of each position, as Keras' LayerNormalization(axis=-1) does on
            // channels-last data. PyTorch normalizes trailing axes only, so channels-first input is
            // turned channels-last around the normalization.
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

        @Override
        public long parameters(LayerArgs a, Shape in) {
            return product(2, in.get(0));
        }

        @Override
        public String inference(LayerArgs a, Block block, Shape shape, InferenceScript s, String in) {
            String eps = InferenceScript.floatLiteral(a.number("epsilon", 1e-5));
            String gamma = s.parameter(block, "gamma");
            String beta = s.parameter(block, "beta");
            String channels = InferenceScript.ints(shape.get(0));
            if (shape.dimension() == 1) {
                return InferenceScript.call("torch.layer_norm", in, channels, gamma, beta, eps);
            }
            String normalized = InferenceScript.call("torch.layer_norm",
                    InferenceScript.call("torch.movedim", in, 1, -1), channels, gamma, beta, eps);
            return InferenceScript.call("torch.movedim", normalized, -1, 1);
        }
    }

    static final class PoolKind implements LayerKind {
        @Override
        public Block build(LayerArgs a, Shape in) {
            String mode = a.choice("mode", "max", "max", "avg");
            long size = a.positiveInt("size");
            long stride = a.positiveInt("stride", size);
            int dims = pooledDims(a, in);
            Shape k = repeat(size, dims);
            Shape st = repeat(stride, dims);
            if (mode.equals("max")) {
                return dims == 1 ? Pool.maxPool1dBlock(k, st) : Pool.maxPool2dBlock(k, st);
            }
            return dims == 1 ? Pool.avgPool1dBlock(k, st) : Pool.avgPool2dBlock(k, st);
        }

        @Override
        public String inference(LayerArgs a, Block block, Shape shape, InferenceScript s, String in) {
            long size = a.positiveInt("size");
            long stride = a.positiveInt("stride", size);
            int dims = shape.dimension() - 1;
            String k = InferenceScript.ints(repeat(size, dims).getShape());
            String st = InferenceScript.ints(repeat(stride, dims).getShape());
            String zeros = InferenceScript.ints(repeat(0, dims).getShape());
            // As DJL's pooling blocks: no padding, floor mode; average pooling counts no padding then.
            if (a.choice("mode", "max", "max", "avg").equals("max")) {
                return InferenceScript.call("torch.max_pool" + dims + "d", in, k, st, zeros,
                        InferenceScript.ints(repeat(1, dims).getShape()), "False");
            }
            return InferenceScript.call("torch.avg_pool" + dims + "d", in, k, st, zeros, "False", "True");
        }
    }

    static final class GlobalPool implements LayerKind {
        @Override
        public Block build(LayerArgs a, Shape in) {
            String mode = a.choice("mode", "avg", "max", "avg");
            int dims = pooledDims(a, in);
            if (mode.equals("max")) {
                return dims == 1 ? Pool.globalMaxPool1dBlock() : Pool.globalMaxPool2dBlock();
            }
            return dims == 1 ? Pool.globalAvgPool1dBlock() : Pool.globalAvgPool2dBlock();
        }

        @Override
        public String inference(LayerArgs a, Block block, Shape shape, InferenceScript s, String in) {
            // (batch, channels) out, as DJL's global pooling blocks give.
            String positions = shape.dimension() == 2 ? "[2]" : "[2, 3]";
            return InferenceScript.call(a.choice("mode", "avg", "max", "avg").equals("max") ? "torch.amax" : "torch.mean",
                    in, positions);
        }
    }

    static final class RandomFlip implements TrainingOnly {
        @Override
        public Block build(LayerArgs a, Shape in) {
            requireImage(a, in);
            return RandomImageAugmentation.horizontalFlip();
        }
    }

    static final class RandomResizedCrop implements TrainingOnly {
        @Override
        public Block build(LayerArgs a, Shape in) {
            requireImage(a, in);
            double scaleMin = a.number("scaleMin", 0.08);
            double scaleMax = a.number("scaleMax", 1.0);
            double ratioMin = a.number("ratioMin", 3.0 / 4);
            double ratioMax = a.number("ratioMax", 4.0 / 3);
            if (!(0 < scaleMin && scaleMin <= scaleMax && scaleMax <= 1) || !(0 < ratioMin && ratioMin <= ratioMax)) {
                throw a.invalid("needs 0 < scaleMin <= scaleMax <= 1 and 0 < ratioMin <= ratioMax");
            }
            return RandomImageAugmentation.resizedCrop(scaleMin, scaleMax, ratioMin, ratioMax);
        }
    }

    static final class Embedding implements LayerKind {
        @Override
        public Block build(LayerArgs a, Shape in) {
            long vocabulary = a.positiveInt("vocabularySize");
            long length = a.positiveInt("maxLength");
            long dim = a.positiveInt("dim");
            if (in.dimension() != 1 || in.get(0) != length) {
                throw a.invalid("expects (" + length + ") token ids but gets shape " + in);
            }
            return new TokenAndPositionEmbedding(vocabulary, length, dim);
        }

        @Override
        public long parameters(LayerArgs a, Shape in) {
            long dim = a.positiveInt("dim");
            return product(sum(a.positiveInt("vocabularySize"), a.positiveInt("maxLength")), dim);
        }

        @Override
        public String inference(LayerArgs a, Block block, Shape shape, InferenceScript s, String in) {
            // Token ids arrive as floats, as every input does; truncated to int64 (dtype 4) as DJL does.
            String ids = InferenceScript.call("torch.to", in, 4);
            String embedded = InferenceScript.call("torch.embedding", s.parameter(block, "tokens"), ids);
            return InferenceScript.call("torch.permute",
                    InferenceScript.call("torch.add", embedded, s.parameter(block, "positions")), "[0, 2, 1]");
        }
    }

    static final class Transformer implements LayerKind {
        @Override
        public Block build(LayerArgs a, Shape in) {
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

        @Override
        public long parameters(LayerArgs a, Shape in) {
            long heads = a.positiveInt("heads");
            long dim = a.positiveInt("dim");
            long ff = a.positiveInt("feedForward");
            long projected = product(heads, dim);
            long attention = sum(product(3, sum(product(dim, projected), projected)), sum(product(projected, dim), dim));
            long feedForward = sum(sum(product(dim, ff), ff), sum(product(ff, dim), dim));
            return sum(sum(attention, feedForward), product(4, dim));
        }

        @Override
        public String inference(LayerArgs a, Block block, Shape shape, InferenceScript s, String in) {
            return TransformerBlock.inference(block, a.positiveInt("heads"), a.positiveInt("dim"), shape.get(1),
                    InferenceScript.floatLiteral(a.number("epsilon", 1e-6)), s, in);
        }
    }

    // ---- Shared by the kinds --------------------------------------------------------------------

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

    private static int pooledDims(LayerArgs a, Shape in) {
        int dims = in.dimension() - 1;
        if (dims != 1 && dims != 2) {
            throw a.invalid("pools (channels, length) or (channels, height, width) but gets shape " + in);
        }
        return dims;
    }

    private static void requireImage(LayerArgs a, Shape in) {
        if (in.dimension() != 3) {
            throw a.invalid("augments (channels, height, width) images but gets shape " + in);
        }
    }

    /** The axes of a batched channels-first array in the order that moves the channels last. */
    static int[] channelsToLast(int rank) {
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

    static long product(long a, long b) {
        return saturating(() -> Math.multiplyExact(a, b));
    }

    static long sum(long a, long b) {
        return saturating(() -> Math.addExact(a, b));
    }

    /** Parameter counts saturate at Long.MAX_VALUE, which any limit refuses, instead of overflowing. */
    private static long saturating(java.util.function.LongSupplier exact) {
        try {
            return exact.getAsLong();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
