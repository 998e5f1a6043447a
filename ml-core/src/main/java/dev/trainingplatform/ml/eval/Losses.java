package dev.trainingplatform.ml.eval;

import ai.djl.training.loss.L2Loss;
import ai.djl.training.loss.Loss;
import dev.trainingplatform.contract.LossType;

/** The DJL loss for the contract's loss name: what training minimizes and evaluation reports. */
public final class Losses {

    private Losses() {}

    public static Loss of(LossType type) {
        // DJL's default L2Loss is 0.5 * squared error; MSE means weight 1.
        return type == LossType.MSE ? new L2Loss("MSE", 1f) : Loss.softmaxCrossEntropyLoss("SoftmaxCrossEntropy");
    }
}
