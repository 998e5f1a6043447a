package dev.trainingplatform.ml.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.LayoutType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * DJL's Conv1d, with the same parameters, computed as a 2-D convolution over (channels, 1, length).
 *
 * <p>Why: libtorch makes every 3-D convolution input contiguous, so a (batch, channels, length)
 * array laid out channels-last (as a channels-over normalization leaves it) is copied before every
 * convolution and its gradient again after; a 4-D input laid out channels-last is convolved as it is
 * and the output keeps that layout. Viewed as 4-D, the layers of a FordA-style stack stay
 * channels-last from one convolution to the next and the normalization between them needs no copy.
 */
final class Conv1dAs2d extends Convolution {

    Conv1dAs2d(Conv1d.Builder builder) {
        super(builder);
    }

    @Override
    protected LayoutType[] getExpectedLayout() {
        return new LayoutType[] {LayoutType.BATCH, LayoutType.CHANNEL, LayoutType.WIDTH};
    }

    @Override
    protected String getStringLayout() {
        return "NCW";
    }

    @Override
    protected int numDimensions() {
        return 3;
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray input = inputs.singletonOrThrow();
        Device device = input.getDevice();
        NDArray w = store.getValue(weight, device, training);
        NDArray b = includeBias ? store.getValue(bias, device, training) : null;
        NDArray out = input.getNDArrayInternal().convolution(input.expandDims(2), w.expandDims(2), b,
                new Shape(1, stride.get(0)), new Shape(0, padding.get(0)), new Shape(1, dilation.get(0)), groups)
                .singletonOrThrow();
        return new NDList(out.squeeze(2));
    }
}
