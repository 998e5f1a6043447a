package dev.trainingplatform.ml.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/** Adam as DJL's {@code Adam} computes it (bias-corrected, lazy update), with resumable moments and step counts. */
final class ResumableAdam extends ResumableOptimizer {

    private final float learningRate;
    private final float beta1;
    private final float beta2;
    private final float epsilon;

    ResumableAdam(float learningRate, float beta1, float beta2, float epsilon, float weightDecay) {
        super(weightDecay);
        this.learningRate = learningRate;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
    }

    @Override
    protected int slotCount() {
        return 2;
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        int t = nextStep(parameterId);
        double coef1 = 1.0 - Math.pow(beta1, t);
        double coef2 = 1.0 - Math.pow(beta2, t);
        float corrected = (float) (learningRate * Math.sqrt(coef2) / coef1);
        NDArray[] moments = slots(parameterId, weight);
        weight.getNDArrayInternal().adamUpdate(new NDList(weight, grad, moments[0], moments[1]), new NDList(weight),
                learningRate, corrected, getWeightDecay(), rescaleGrad, clipGrad, beta1, beta2, epsilon, true, false);
    }
}
