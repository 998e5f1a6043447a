package dev.trainingplatform.ml.train.optimizer;

import dev.trainingplatform.ml.model.ScriptedModel;

/**
 * Adam's hyperparameters as the fused kernel takes them ({@code torch._fused_adam_}: lr, beta1, beta2,
 * weight_decay, eps), widened from the float values DJL's optimizer uses so that both compute alike.
 */
public record AdamHyperparameters(double learningRate, double beta1, double beta2, double weightDecay, double epsilon) {

    static AdamHyperparameters of(float learningRate, float beta1, float beta2, float epsilon, float weightDecay) {
        return new AdamHyperparameters(learningRate, beta1, beta2, weightDecay, epsilon);
    }

    /**
     * TorchScript assignments of the names {@link FusedAdam#UPDATE} reads but {@code lr}, for a step
     * compiled around it (the learning rate is an argument of the step: a schedule changes it).
     */
    public String statements() {
        return "beta1 = " + ScriptedModel.literal(beta1) + "\n"
                + "beta2 = " + ScriptedModel.literal(beta2) + "\n"
                + "weight_decay = " + ScriptedModel.literal(weightDecay) + "\n"
                + "eps = " + ScriptedModel.literal(epsilon) + "\n";
    }
}
