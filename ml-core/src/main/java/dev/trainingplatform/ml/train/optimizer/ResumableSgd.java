package dev.trainingplatform.ml.train.optimizer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/** SGD with optional momentum as DJL's {@code Sgd} computes it, with a resumable momentum buffer. */
final class ResumableSgd extends ResumableOptimizer {

    private float learningRate;
    private final float momentum;

    ResumableSgd(float learningRate, float momentum, float weightDecay) {
        super(weightDecay);
        this.learningRate = learningRate;
        this.momentum = momentum;
    }

    @Override
    public void setLearningRate(float learningRate) {
        this.learningRate = learningRate;
    }

    @Override
    protected int slotCount() {
        return momentum != 0f ? 1 : 0;
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        nextStep(parameterId);
        NDList inputs = momentum != 0f
                ? new NDList(weight, grad, slots(parameterId, weight)[0])
                : new NDList(weight, grad);
        weight.getNDArrayInternal().sgdUpdate(inputs, new NDList(weight), learningRate, getWeightDecay(),
                rescaleGrad, clipGrad, momentum, true);
    }
}
