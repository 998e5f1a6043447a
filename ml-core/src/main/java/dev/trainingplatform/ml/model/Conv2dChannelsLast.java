package dev.trainingplatform.ml.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.LayoutType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

/**
 * DJL's Conv2d, with the same parameters, convolving its input laid out channels-last.
 *
 * <p>Why: given a channels-last input, libtorch convolves channels-last (oneDNN's nhwc kernels) and
 * returns a channels-last output, which ReLU and average pooling keep; on the CIFAR-10 CNN the pooling
 * layers' forward and backward fell from 15 % of a step to about 3 %, for one copy of each batch's
 * input (the first convolution's) and one at the flatten before the dense layers. DJL has no API for
 * an array's memory layout, so the layout is reached through views: the input transposed to
 * (batch, height, width, channels) and flattened (a copy only if it is not laid out so already),
 * then viewed back as (batch, channels, height, width).
 */
final class Conv2dChannelsLast extends LaidOutConvolution {

    Conv2dChannelsLast(Conv2d.Builder builder) {
        super(builder, LayoutType.BATCH, LayoutType.CHANNEL, LayoutType.HEIGHT, LayoutType.WIDTH);
    }

    @Override
    NDArray convolve(NDArray input, NDArray weight, NDArray bias) {
        return convolveChannelsLast(input, weight, bias, stride, padding, dilation, groups);
    }

    /**
     * The convolution of {@code input} laid out channels-last, its bias (null: none) added by libtorch
     * onto the output in place rather than by oneDNN.
     *
     * <p>Why: with the bias, oneDNN 3's channels-last backward-weights kernel also sums the bias
     * gradient, in a loop (compute_diff_bias) that took most of that kernel's time: CIFAR-10's first
     * convolution 3.8 ms of backward-weights with it, 1.7 ms without, on the AVX-512 machine. libtorch's
     * own sum over a channels-last gradient is one vectorized pass. In place, on the convolution's own
     * output, never on a view of it: the backward of an in-place change to a view recomputes the view
     * (FordA's step was 14 % slower when the bias was added after the squeeze). docs/performance.md has
     * what it bought.
     */
    static NDArray convolveChannelsLast(NDArray input, NDArray weight, NDArray bias, Shape stride, Shape padding,
                                        Shape dilation, int groups) {
        NDArray out = input.getNDArrayInternal().convolution(channelsLast(input), weight, null, stride, padding, dilation,
                groups).singletonOrThrow();
        return bias == null ? out : out.addi(bias.reshape(1, bias.getShape().get(0), 1, 1));
    }

    /** The same array laid out channels-last: a copy if it is not, a view if it already is. */
    static NDArray channelsLast(NDArray x) {
        Shape s = x.getShape();
        return x.transpose(0, 2, 3, 1).reshape(-1).reshape(s.get(0), s.get(2), s.get(3), s.get(1)).transpose(0, 3, 1, 2);
    }
}
