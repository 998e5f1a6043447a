package dev.trainingplatform.ml.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.trainingplatform.ml.DjlRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * The convolutions that choose their memory layout compute the convolution, forward and backward, for
 * inputs laid out either way: held against DJL's own convolution computed in float64, where libtorch
 * does not use oneDNN. (DJL's own float32 convolution is not the reference: on a CPU with AVX-512,
 * libtorch 2.7.1 convolving a contiguous input through oneDNN's blocked layouts returned wrong input
 * gradients, NaN among them, and wrong outputs whenever a channel count was not a multiple of 16,
 * while the channels-last path these classes take was right; see docs/performance.md.)
 */
class ConvolutionLayoutsTest {

    private static Conv1d.Builder conv1d(int filters, int stride, int padding) {
        return Conv1d.builder().setFilters(filters).setKernelShape(new Shape(3)).optStride(new Shape(stride))
                .optPadding(new Shape(padding));
    }

    private static Conv2d.Builder conv2d(int filters, int stride, int padding) {
        return Conv2d.builder().setFilters(filters).setKernelShape(new Shape(3, 3)).optStride(new Shape(stride, stride))
                .optPadding(new Shape(padding, padding));
    }

    private static float[] floats(long[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            f[i] = values[i];
        }
        return f;
    }

    /**
     * Output, input gradient (empty where the input has none, as a first layer's), every parameter's
     * gradient in the block's order and the output shape of one forward and backward pass in the given
     * precision, the block's parameters set from {@code values}.
     */
    private static List<float[]> pass(Block block, List<NDArray> values, NDArray input, boolean channelsLast,
                                      boolean inputGradient, DataType type) {
        NDManager manager = input.getManager();
        block.initialize(manager, type, input.getShape());
        List<Parameter> parameters = new ArrayList<>(block.getParameters().values());
        for (int i = 0; i < parameters.size(); i++) {
            parameters.get(i).getArray().set(values.get(i).toType(type, true).toByteBuffer());
            parameters.get(i).getArray().setRequiresGradient(true);
        }
        NDArray x = input.toType(type, true).duplicate();
        x.setRequiresGradient(inputGradient);
        try (GradientCollector collector = DjlRuntime.engine().newGradientCollector()) {
            // Laid out channels-last, as a channels-over normalization leaves (batch, length, channels)
            // transposed back, or as an earlier channels-last convolution leaves its output.
            int rank = x.getShape().dimension();
            int[] toLast = rank == 3 ? new int[] {0, 2, 1} : new int[] {0, 2, 3, 1};
            int[] back = rank == 3 ? new int[] {0, 2, 1} : new int[] {0, 3, 1, 2};
            NDArray in = channelsLast ? x.transpose(toLast).duplicate().transpose(back) : x;
            NDArray out = block.forward(new ParameterStore(manager, false), new NDList(in), true).singletonOrThrow();
            NDArray ramp = manager.arange((float) out.size()).reshape(out.getShape()).div(out.size()).sin();
            collector.backward(out.mul(ramp.toType(type, false)).sum());
            List<float[]> result = new ArrayList<>();
            result.add(floats32(out));
            result.add(inputGradient ? floats32(x.getGradient()) : new float[0]);
            for (Parameter p : parameters) {
                result.add(floats32(p.getArray().getGradient()));
            }
            result.add(floats(out.getShape().getShape()));
            return result;
        }
    }

    private static float[] floats32(NDArray array) {
        return array.toType(DataType.FLOAT32, true).toFloatArray();
    }

    /** Each array element within 1e-5 of the expected array's largest magnitude (at least 1). */
    private static void assertClose(List<float[]> actual, List<float[]> expected, String context) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(actual.get(i)).hasSameSizeAs(expected.get(i));
            float scale = 0;
            for (float e : expected.get(i)) {
                scale = Math.max(scale, Math.abs(e));
            }
            for (int j = 0; j < expected.get(i).length; j++) {
                assertThat(actual.get(i)[j]).as("%s, array %d element %d", context, i, j)
                        .isCloseTo(expected.get(i)[j], Offset.offset(1e-5f * Math.max(1, scale)));
            }
        }
    }

    private static void assertExact(Shape inputShape, int filters, long[] kernel,
                                    Function<Integer, Function<Integer, Block>> djl,
                                    Function<Integer, Function<Integer, Block>> ours) {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(3);
            long[] weightShape = new long[kernel.length + 2];
            weightShape[0] = filters;
            weightShape[1] = inputShape.get(1);
            System.arraycopy(kernel, 0, weightShape, 2, kernel.length);
            NDArray input = manager.randomNormal(inputShape);
            NDArray weight = manager.randomNormal(new Shape(weightShape));
            NDArray bias = manager.randomNormal(new Shape(filters));
            for (int[] strideAndPadding : new int[][] {{1, 1}, {2, 0}}) {
                for (boolean[] layoutAndGradient : new boolean[][] {{false, true}, {true, true}, {false, false}}) {
                    boolean channelsLast = layoutAndGradient[0];
                    boolean inputGradient = layoutAndGradient[1];
                    int stride = strideAndPadding[0];
                    int padding = strideAndPadding[1];
                    List<NDArray> values = List.of(weight, bias);
                    List<float[]> expected = pass(djl.apply(stride).apply(padding), values, input, channelsLast,
                            inputGradient, DataType.FLOAT64);
                    List<float[]> actual = pass(ours.apply(stride).apply(padding), values, input, channelsLast,
                            inputGradient, DataType.FLOAT32);
                    assertClose(actual, expected, String.format("input %s, %d filters, stride %d, channels-last %s, "
                            + "input gradient %s", inputShape, filters, stride, channelsLast, inputGradient));
                }
            }
        }
    }

    @Test
    void conv1dAs2dComputesTheConvolutionForwardAndBackward() {
        for (int filters : new int[] {5, 16, 20}) {
            assertExact(new Shape(4, 6, 11), filters, new long[] {3},
                    stride -> padding -> conv1d(filters, stride, padding).build(),
                    stride -> padding -> new Conv1dAs2d(conv1d(filters, stride, padding)));
        }
    }

    @Test
    void conv1dAs2dComputesTheConvolutionOfASingleInputChannel() {
        // The first layer of a FordA-style stack: one channel, where channels-last and contiguous
        // are the same memory and only the strides libtorch is shown differ; with and without the
        // input's gradient (a first layer's input has none; one after a one-filter layer has).
        assertExact(new Shape(4, 1, 11), 5, new long[] {3},
                stride -> padding -> conv1d(5, stride, padding).build(),
                stride -> padding -> new Conv1dAs2d(conv1d(5, stride, padding)));
    }

    @Test
    void conv2dChannelsLastComputesTheConvolutionForwardAndBackward() {
        for (int filters : new int[] {5, 16, 20}) {
            assertExact(new Shape(3, 4, 9, 7), filters, new long[] {3, 3},
                    stride -> padding -> conv2d(filters, stride, padding).build(),
                    stride -> padding -> new Conv2dChannelsLast(conv2d(filters, stride, padding)));
        }
    }

    @Test
    void aConvolutionAfterAOneFilterConvolutionGetsTheExactGradient() {
        // Inside a model the single-channel input is an activation whose gradient is needed: the
        // case LaidOutConvolution pads with a zero channel.
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(5);
            NDArray input = manager.randomNormal(new Shape(3, 4, 9, 7));
            List<NDArray> values = List.of(manager.randomNormal(new Shape(1, 4, 3, 3)), manager.randomNormal(new Shape(1)),
                    manager.randomNormal(new Shape(5, 1, 3, 3)), manager.randomNormal(new Shape(5)));
            Block djl = new SequentialBlock().add(conv2d(1, 1, 1).build()).add(conv2d(5, 1, 1).build());
            Block ours = new SequentialBlock().add(new Conv2dChannelsLast(conv2d(1, 1, 1)))
                    .add(new Conv2dChannelsLast(conv2d(5, 1, 1)));
            List<float[]> expected = pass(djl, values, input, false, true, DataType.FLOAT64);
            List<float[]> actual = pass(ours, values, input, false, true, DataType.FLOAT32);
            assertClose(actual, expected, "a one-filter convolution, then a five-filter one");
        }
    }
}
