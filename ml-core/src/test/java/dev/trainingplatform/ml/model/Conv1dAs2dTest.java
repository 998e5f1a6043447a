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
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.trainingplatform.ml.DjlRuntime;
import org.junit.jupiter.api.Test;

class Conv1dAs2dTest {

    private static Conv1d.Builder builder(int stride, int padding) {
        return Conv1d.builder().setFilters(5).setKernelShape(new Shape(3)).optStride(new Shape(stride))
                .optPadding(new Shape(padding));
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
            // The layout a channels-over normalization leaves: (batch, length, channels) transposed.
            NDArray in = channelsLast ? x.transpose(0, 2, 1).duplicate().transpose(0, 2, 1) : x;
            NDArray out = conv.forward(new ParameterStore(manager, false), new NDList(in), true).singletonOrThrow();
            NDArray loss = out.mul(manager.arange((float) out.size()).reshape(out.getShape()).div(out.size())).sum();
            collector.backward(loss);
            return new float[][] {out.toFloatArray(), x.getGradient().toFloatArray(),
                    conv.getParameters().get("weight").getArray().getGradient().toFloatArray(),
                    conv.getParameters().get("bias").getArray().getGradient().toFloatArray(),
                    {out.getShape().dimension(), out.getShape().get(1), out.getShape().get(out.getShape().dimension() - 1)}};
        }
    }

    @Test
    void computesWhatDjlsConv1dComputesForwardAndBackward() {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(3);
            NDArray input = manager.randomNormal(new Shape(4, 6, 11));
            NDArray weight = manager.randomNormal(new Shape(5, 6, 3));
            NDArray bias = manager.randomNormal(new Shape(5));
            for (int[] strideAndPadding : new int[][] {{1, 1}, {2, 0}}) {
                for (boolean channelsLast : new boolean[] {false, true}) {
                    int stride = strideAndPadding[0];
                    int padding = strideAndPadding[1];
                    float[][] expected = pass(builder(stride, padding).build(), weight, bias, input, channelsLast);
                    float[][] actual = pass(new Conv1dAs2d(builder(stride, padding)), weight, bias, input, channelsLast);
                    for (int i = 0; i < expected.length; i++) {
                        assertThat(actual[i]).hasSameSizeAs(expected[i]);
                        for (int j = 0; j < expected[i].length; j++) {
                            assertThat(actual[i][j]).as("array %d element %d, stride %d", i, j, stride)
                                    .isCloseTo(expected[i][j], org.assertj.core.data.Offset.offset(1e-4f));
                        }
                    }
                }
            }
        }
    }
}
