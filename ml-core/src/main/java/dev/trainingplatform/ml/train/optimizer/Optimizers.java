package dev.trainingplatform.ml.train.optimizer;

import dev.trainingplatform.contract.OptimizerSpec;
import dev.trainingplatform.contract.OptimizerType;

/** The optimizer for the contract's names (the loss is ml.eval.Losses: evaluation needs it too). */
public final class Optimizers {

    private Optimizers() {}

    /** Adam, or SGD for both SGD and full-batch gradient descent, with state a resumed job can restore. */
    public static ResumableOptimizer of(OptimizerSpec spec) {
        float lr = (float) spec.getLearningRate();
        float weightDecay = (float) spec.getWeightDecay();
        if (spec.getType() == OptimizerType.ADAM) {
            return new ResumableAdam(lr, (float) spec.getBeta1(), (float) spec.getBeta2(), (float) spec.getEpsilon(),
                    weightDecay);
        }
        return new ResumableSgd(lr, (float) spec.getMomentum(), weightDecay);
    }
}
