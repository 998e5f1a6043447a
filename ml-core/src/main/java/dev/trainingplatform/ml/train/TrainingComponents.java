package dev.trainingplatform.ml.train;

import ai.djl.training.loss.L2Loss;
import ai.djl.training.loss.Loss;
import dev.trainingplatform.contract.LossType;
import dev.trainingplatform.contract.OptimizerSpec;
import dev.trainingplatform.contract.OptimizerType;

/** DJL losses and optimizers for the contract's names. */
public final class TrainingComponents {

    private TrainingComponents() {}

    public static Loss loss(LossType type) {
        // DJL's default L2Loss is 0.5 * squared error; MSE means weight 1.
        return type == LossType.MSE ? new L2Loss("MSE", 1f) : Loss.softmaxCrossEntropyLoss("SoftmaxCrossEntropy");
    }

    /** Adam, or SGD for both SGD and full-batch gradient descent, with state a resumed job can restore. */
    public static ResumableOptimizer optimizer(OptimizerSpec spec) {
        float lr = (float) spec.getLearningRate();
        float weightDecay = (float) spec.getWeightDecay();
        if (spec.getType() == OptimizerType.ADAM) {
            return new ResumableAdam(lr, (float) spec.getBeta1(), (float) spec.getBeta2(), (float) spec.getEpsilon(),
                    weightDecay);
        }
        return new ResumableSgd(lr, (float) spec.getMomentum(), weightDecay);
    }
}
