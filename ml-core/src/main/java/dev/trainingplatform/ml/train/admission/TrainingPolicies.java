package dev.trainingplatform.ml.train.admission;

import dev.trainingplatform.contract.BestCheckpoint;
import dev.trainingplatform.contract.EarlyStopping;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.LearningRateSchedule;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.train.MetricTracker;

/**
 * Checks what a job asks of its training beyond the hyperparameters: early stopping, the best
 * checkpoint and the learning-rate schedule, each refusal naming the field and what it accepts.
 */
public final class TrainingPolicies {

    private TrainingPolicies() {}

    static void check(TrainingJob job) {
        EarlyStopping stop = job.getEarlyStopping();
        if (stop != null) {
            metric("earlyStopping.metric", stop.getMetric(), job);
            if (stop.getPatience() < 1) {
                throw invalid("earlyStopping.patience must be at least 1, got " + stop.getPatience());
            }
            if (!(stop.getMinDelta() >= 0) || !Double.isFinite(stop.getMinDelta())) {
                throw invalid("earlyStopping.minDelta must be a finite number of at least 0, got " + stop.getMinDelta());
            }
        }
        BestCheckpoint best = job.getCheckpoint() == null ? null : job.getCheckpoint().getKeepBest();
        if (best != null) {
            metric("checkpoint.keepBest.metric", best.getMetric(), job);
        }
        LearningRateSchedule s = job.getOptimizer() == null ? null : job.getOptimizer().getSchedule();
        if (s != null) {
            if (s.getStepEpochs() < 1) {
                throw invalid("optimizer.schedule.stepEpochs must be at least 1, got " + s.getStepEpochs());
            }
            if (!(s.getGamma() > 0 && s.getGamma() <= 1)) {
                throw invalid("optimizer.schedule.gamma must be in (0, 1], got " + s.getGamma());
            }
            if (s.getWarmupEpochs() < 0 || s.getWarmupEpochs() >= job.getEpochs()) {
                throw invalid("optimizer.schedule.warmupEpochs must be from 0 to epochs - 1 (" + (job.getEpochs() - 1)
                        + "), got " + s.getWarmupEpochs());
            }
            double lr = job.getOptimizer().getLearningRate();
            if (!(s.getMinLearningRate() >= 0 && s.getMinLearningRate() <= lr)) {
                throw invalid("optimizer.schedule.minLearningRate must be from 0 to optimizer.learningRate (" + lr
                        + "), got " + s.getMinLearningRate());
            }
        }
    }

    /**
     * Refuses {@code metric} as the metric of {@code field} unless it is a validation metric that
     * {@code job} measures (it has a validation split; accuracy only for classification).
     */
    public static void metric(String field, String metric, TrainingJob job) {
        if (!MetricTracker.METRICS.contains(metric)) {
            throw invalid(field + " must be one of " + MetricTracker.METRICS + ", got '" + metric + "'"
                    + (metric != null && metric.startsWith("test")
                    ? ": the test split only measures the final model; decide with a validation split" : ""));
        }
        if (job.getValidation() == null) {
            throw invalid(field + " is measured on a validation split, and the job has none: add \"validation\": "
                    + "{\"fraction\": 0.1}");
        }
        if (metric.equals("validationAccuracy") && job.getLoss() == dev.trainingplatform.contract.LossType.MSE) {
            throw invalid(field + ": a regression job has no accuracy; use validationLoss (its MSE)");
        }
    }

    private static JobRejectedException invalid(String message) {
        return new JobRejectedException(ErrorCode.INVALID_HYPERPARAMETER, message);
    }
}
