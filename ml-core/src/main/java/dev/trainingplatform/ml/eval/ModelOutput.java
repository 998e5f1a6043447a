package dev.trainingplatform.ml.eval;

import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.LossType;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.data.LoadedDataset;
import dev.trainingplatform.ml.model.ModelFactory;

/**
 * Whether a model's output fits its loss and data set: a classifier's last layer has one unit per
 * class, a regression model one output. Checked when a job is planned and when a checkpoint is
 * evaluated.
 */
public final class ModelOutput {

    private ModelOutput() {}

    /** Checks a (checkpointed) model against the data it is evaluated on. */
    public static void check(LossType loss, ModelFactory.BuiltModel built, LoadedDataset data) {
        long[] out = built.outputShape().getShape();
        if (loss == LossType.SOFTMAX_CROSS_ENTROPY) {
            if (!data.isClassification()) {
                throw new JobRejectedException(ErrorCode.INVALID_MODEL, "softmax cross-entropy needs a classification "
                        + "data set; '" + data.name() + "' is a regression data set (use MSE)");
            }
            if (out.length != 1 || out[0] != data.classNames().size()) {
                throw new JobRejectedException(ErrorCode.INVALID_MODEL, "the model outputs shape " + built.outputShape()
                        + " but '" + data.name() + "' has " + data.classNames().size() + " classes: the last layer must be "
                        + "dense with units=" + data.classNames().size());
            }
        } else if (out.length != 1 || out[0] != 1) {
            throw new JobRejectedException(ErrorCode.INVALID_MODEL, "loss MSE makes this a regression job, whose model must "
                    + "output one value per sample; this one outputs shape " + built.outputShape()
                    + (data.isClassification() ? " ('" + data.name() + "' is a classification data set: use "
                    + "SOFTMAX_CROSS_ENTROPY)" : ""));
        }
    }
}
