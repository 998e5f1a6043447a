package dev.trainingplatform.ml.train;

import ai.djl.training.loss.L2Loss;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.trainingplatform.contract.LossType;
import dev.trainingplatform.contract.OptimizerSpec;

/** DJL losses and optimizers for the contract's names. */
public final class TrainingComponents {

    private TrainingComponents() {}

    public static Loss loss(LossType type) {
        // DJL's default L2Loss is 0.5 * squared error; MSE means weight 1.
        return type == LossType.MSE ? new L2Loss("MSE", 1f) : Loss.softmaxCrossEntropyLoss("SoftmaxCrossEntropy");
    }

    public static Optimizer optimizer(OptimizerSpec spec) {
        Tracker lr = Tracker.fixed((float) spec.getLearningRate());
        switch (spec.getType()) {
            case ADAM:
                return Optimizer.adam()
                        .optLearningRateTracker(lr)
                        .optBeta1((float) spec.getBeta1())
                        .optBeta2((float) spec.getBeta2())
                        .optEpsilon((float) spec.getEpsilon())
                        .optWeightDecays((float) spec.getWeightDecay())
                        .build();
            case SGD:
            case GRADIENT_DESCENT:
            default:
                return Optimizer.sgd()
                        .setLearningRateTracker(lr)
                        .optMomentum((float) spec.getMomentum())
                        .optWeightDecays((float) spec.getWeightDecay())
                        .build();
        }
    }
}
