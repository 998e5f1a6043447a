package dev.trainingplatform.ml.train.admission;

import dev.trainingplatform.contract.LossType;
import dev.trainingplatform.contract.OptimizerSpec;
import dev.trainingplatform.contract.OptimizerType;
import dev.trainingplatform.contract.TrainingJob;

/**
 * What the training loop needs from a job, read once: the loop reads these instead of the job's
 * Avro getters. The batch size is the effective one: the whole split for full-batch gradient descent,
 * never more than the split holds; the last partial batch is dropped only where there is one.
 */
public record TrainingSettings(String jobId, int epochs, long seed, LossType loss, OptimizerSpec optimizer,
                               int batchSize, boolean dropLastBatch, boolean testEveryEpoch, int evaluationBatchSize) {

    /** @param trainSamples samples in the split trained on (after any validation split is held out) */
    public static TrainingSettings of(TrainingJob job, int trainSamples) {
        int batchSize = job.getOptimizer().getType() == OptimizerType.GRADIENT_DESCENT ? trainSamples
                : Math.min(job.getBatchSize(), trainSamples);
        return new TrainingSettings(job.getJobId(), job.getEpochs(), job.getSeed(), job.getLoss(), job.getOptimizer(),
                batchSize, job.getDropLastBatch() && batchSize < trainSamples, job.getTestEveryEpoch(),
                job.getEvaluationBatchSize());
    }
}
