package dev.trainingplatform.ml.train.optimizer;

import dev.trainingplatform.contract.LearningRateSchedule;
import dev.trainingplatform.contract.OptimizerSpec;

/**
 * The learning rate of each epoch, a pure function of the optimizer's settings and the epoch, so a
 * resumed job recomputes the rate of the epoch it resumes at (nothing of the schedule is saved).
 *
 * <ul>
 *   <li>warm-up ({@code warmupEpochs} w): epoch e <= w trains at {@code learningRate * e / (w + 1)};</li>
 *   <li>then, counting e' = e - w of n' = epochs - w epochs: CONSTANT {@code learningRate}; STEP
 *       {@code learningRate * gamma^floor((e' - 1) / stepEpochs)}; COSINE from {@code learningRate} at e' = 1
 *       to {@code minLearningRate} at e' = n', along half a cosine (PyTorch's CosineAnnealingLR per epoch).</li>
 * </ul>
 */
public final class LearningRateSchedules {

    private LearningRateSchedules() {}

    /** @param epoch 1-based */
    public static double of(OptimizerSpec optimizer, int epoch, int epochs) {
        double base = optimizer.getLearningRate();
        LearningRateSchedule s = optimizer.getSchedule();
        if (s == null) {
            return base;
        }
        int warmup = s.getWarmupEpochs();
        if (epoch <= warmup) {
            return base * epoch / (warmup + 1);
        }
        int e = epoch - warmup;
        int n = epochs - warmup;
        return switch (s.getType()) {
            case CONSTANT -> base;
            case STEP -> base * Math.pow(s.getGamma(), Math.floorDiv(e - 1, s.getStepEpochs()));
            case COSINE -> n <= 1 ? base : s.getMinLearningRate()
                    + (base - s.getMinLearningRate()) * (1 + Math.cos(Math.PI * (e - 1) / (n - 1))) / 2;
        };
    }
}
