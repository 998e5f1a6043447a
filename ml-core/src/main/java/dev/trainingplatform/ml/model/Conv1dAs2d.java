package dev.trainingplatform.ml.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.LayoutType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv1d;

/**
 * DJL's Conv1d, with the same parameters, computed as a 2-D convolution over (channels, 1, length),
 * its input laid out channels-last.
 *
 * <p>Why: libtorch makes every 3-D convolution input contiguous, so a (batch, channels, length)
 * array laid out channels-last (as a channels-over normalization leaves it) is copied before every
 * convolution and its gradient again after; a 4-D input laid out channels-last is convolved as it is
 * and the output keeps that layout. Viewed as 4-D, the layers of a FordA-style stack stay
 * channels-last from one convolution to the next and the normalization between them needs no copy.
 * The input is also made channels-last explicitly (a view where it already is): a FordA-style first
 * layer's input is contiguous, so that layer ran in oneDNN's blocked layout and its output gradient
 * went through a copy and a slow reorder into that layout every step (a tenth of FordA's step).
 */
final class Conv1dAs2d extends LaidOutConvolution {

    Conv1dAs2d(Conv1d.Builder builder) {
        super(builder, LayoutType.BATCH, LayoutType.CHANNEL, LayoutType.WIDTH);
    }

    @Override
    NDArray convolve(NDArray input, NDArray weight, NDArray bias) {
        NDArray out = Conv2dChannelsLast.convolveChannelsLast(input.expandDims(2), weight.expandDims(2), bias,
                new Shape(1, stride.get(0)), new Shape(0, padding.get(0)), new Shape(1, dilation.get(0)), groups);
        return out.squeeze(2);
    }
}
