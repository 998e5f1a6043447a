package dev.trainingplatform.ml.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.trainingplatform.ml.DjlRuntime;
import java.util.function.BiFunction;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The convolutions that choose their memory layout compute what DJL's own ones compute. */
class ConvolutionLayoutsTest {

    private static Conv1d.Builder conv1d(int stride, int padding) {
        return Conv1d.builder().setFilters(5).setKernelShape(new Shape(3)).optStride(new Shape(stride))
                .optPadding(new Shape(padding));
    }

    private static Conv2d.Builder conv2d(int stride, int padding) {
        return Conv2d.builder().setFilters(5).setKernelShape(new Shape(3, 3)).optStride(new Shape(stride, stride))
                .optPadding(new Shape(padding, padding));
    }

    private static float[] floats(long[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            f[i] = values[i];
        }
        return f;
    }

    /** Output, input gradient, weight gradient, bias gradient and output shape of one forward and backward pass. */
    private static float[][] pass(Block conv, NDArray weight, NDArray bias, NDArray input, boolean channelsLast) {
        NDManager manager = input.getManager();
        conv.initialize(manager, DataType.FLOAT32, input.getShape());
        conv.getParameters().get("weight").getArray().set(weight.toFloatArray());
        conv.getParameters().get("bias").getArray().set(bias.toFloatArray());
        for (Parameter p : conv.getParameters().values()) {
            p.getArray().setRequiresGradient(true);
        }
        NDArray x = input.duplicate();
        x.setRequiresGradient(true);
        try (GradientCollector collector = DjlRuntime.engine().newGradientCollector()) {
            // Laid out channels-last, as a channels-over normalization leaves (batch, length, channels)
            // transposed back, or as an earlier channels-last convolution leaves its output.
            int rank = x.getShape().dimension();
            int[] toLast = rank == 3 ? new int[] {0, 2, 1} : new int[] {0, 2, 3, 1};
            int[] back = rank == 3 ? new int[] {0, 2, 1} : new int[] {0, 3, 1, 2};
            NDArray in = channelsLast ? x.transpose(toLast).duplicate().transpose(back) : x;
            NDArray out = conv.forward(new ParameterStore(manager, false), new NDList(in), true).singletonOrThrow();
            NDArray loss = out.mul(manager.arange((float) out.size()).reshape(out.getShape()).div(out.size())).sum();
            collector.backward(loss);
            return new float[][] {out.toFloatArray(), x.getGradient().toFloatArray(),
                    conv.getParameters().get("weight").getArray().getGradient().toFloatArray(),
                    conv.getParameters().get("bias").getArray().getGradient().toFloatArray(),
                    floats(out.getShape().getShape())};
        }
    }

    private static void assertSameAsDjl(Shape inputShape, Shape weightShape,
                                        BiFunction<Integer, Integer, Block> djl,
                                        BiFunction<Integer, Integer, Block> ours) {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(3);
            NDArray input = manager.randomNormal(inputShape);
            NDArray weight = manager.randomNormal(weightShape);
            NDArray bias = manager.randomNormal(new Shape(weightShape.get(0)));
            for (int[] strideAndPadding : new int[][] {{1, 1}, {2, 0}}) {
                for (boolean channelsLast : new boolean[] {false, true}) {
                    int stride = strideAndPadding[0];
                    int padding = strideAndPadding[1];
                    float[][] expected = pass(djl.apply(stride, padding), weight, bias, input, channelsLast);
                    float[][] actual = pass(ours.apply(stride, padding), weight, bias, input, channelsLast);
                    for (int i = 0; i < expected.length; i++) {
                        assertThat(actual[i]).hasSameSizeAs(expected[i]);
                        for (int j = 0; j < expected[i].length; j++) {
                            assertThat(actual[i][j]).as("array %d element %d, stride %d, channels-last %s", i, j, stride,
                                    channelsLast).isCloseTo(expected[i][j], Offset.offset(1e-4f));
                        }
                    }
                }
            }
        }
    }

    @Test
    void conv1dAs2dComputesWhatDjlsConv1dComputesForwardAndBackward() {
        assertSameAsDjl(new Shape(4, 6, 11), new Shape(5, 6, 3),
                (stride, padding) -> conv1d(stride, padding).build(),
                (stride, padding) -> new Conv1dAs2d(conv1d(stride, padding)));
    }

    @Test
    void conv2dChannelsLastComputesWhatDjlsConv2dComputesForwardAndBackward() {
        assertSameAsDjl(new Shape(3, 4, 9, 7), new Shape(5, 4, 3, 3),
                (stride, padding) -> conv2d(stride, padding).build(),
                (stride, padding) -> new Conv2dChannelsLast(conv2d(stride, padding)));
    }
}
