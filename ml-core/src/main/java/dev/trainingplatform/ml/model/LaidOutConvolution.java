package dev.trainingplatform.ml.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.LayoutType;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A DJL convolution (same parameters, same saved form) that chooses the memory layout libtorch
 * convolves in; subclasses say how. DJL's own Conv1d and Conv2d cannot be extended (their
 * constructors are package-private), hence the layouts and dimensions given again here.
 *
 * <p>Correctness, not only speed: on a CPU with AVX-512, libtorch 2.7.1 convolving a contiguous input
 * through oneDNN's blocked layouts returned wrong outputs and input gradients (NaN among them) whenever
 * a channel count was not a multiple of 16 (ConvolutionLayoutsTest, docs/performance.md); the
 * channels-last path the subclasses take was right for every count but a single input channel.
 */
abstract class LaidOutConvolution extends Convolution {

    private final LayoutType[] layout;

    LaidOutConvolution(ConvolutionBuilder<?> builder, LayoutType... layout) {
        super(builder);
        this.layout = layout;
    }

    /** The convolution of the input with the weight and bias (null without one), as one output. */
    abstract NDArray convolve(NDArray input, NDArray weight, NDArray bias);

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray input = inputs.singletonOrThrow();
        Device device = input.getDevice();
        NDArray w = store.getValue(weight, device, training);
        NDArray b = includeBias ? store.getValue(bias, device, training) : null;
        if (training && input.getShape().get(1) == 1) {
            // libtorch reads a single-channel input as contiguous whatever its strides, and its oneDNN
            // kernels then got the input's gradient wrong on an AVX-512 CPU (see the class comment); a
            // second, zero channel (zero weights) computes the same and takes the channels-last path.
            // In training only, where that gradient may be needed (DJL cannot tell whether it is: its
            // hasGradient() is false for activations); the output and weight gradient were right
            // either way, so evaluation keeps the one channel.
            input = input.concat(input.zerosLike(), 1);
            w = w.concat(w.zerosLike(), 1);
        }
        return new NDList(convolve(input, w, b));
    }

    @Override
    protected LayoutType[] getExpectedLayout() {
        return layout.clone();
    }

    @Override
    protected String getStringLayout() {
        return LayoutType.toString(layout);
    }

    @Override
    protected int numDimensions() {
        return layout.length;
    }
}
