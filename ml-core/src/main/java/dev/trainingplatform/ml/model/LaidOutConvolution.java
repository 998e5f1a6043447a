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
        NDArray b = includeBias ? store.getValue(bias, device, training) : null;
        return new NDList(convolve(input, store.getValue(weight, device, training), b));
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
