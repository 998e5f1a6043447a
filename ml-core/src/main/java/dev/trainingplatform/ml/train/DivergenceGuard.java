package dev.trainingplatform.ml.train;

import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.ml.JobRejectedException;

/**
 * Decides when training has diverged, as a training listener of its own: a batch whose loss or
 * gradients are not finite is skipped (no update, see {@link GuardedStep}), but ten such batches in a
 * row, an epoch without one finite batch, or a non-finite epoch loss end the job DIVERGED. The count
 * of consecutive skipped batches runs across epochs.
 */
final class DivergenceGuard {

    /** This many non-finite steps in a row end the job DIVERGED. */
    static final int MAX_CONSECUTIVE_SKIPPED_STEPS = 10;

    private int epoch;
    private int consecutive;
    private int applied;
    private int skipped;

    void epochStarted(int epoch) {
        this.epoch = epoch;
        applied = 0;
        skipped = 0;
    }

    void stepApplied() {
        applied++;
        consecutive = 0;
    }

    void stepSkipped() {
        skipped++;
        if (++consecutive >= MAX_CONSECUTIVE_SKIPPED_STEPS) {
            throw diverged(consecutive + " batches in a row had a non-finite loss or gradient");
        }
    }

    /** The epoch's training loss, once the epoch is known not to have diverged. */
    double epochLoss(double trainLoss) {
        if (applied == 0) {
            throw diverged("no batch of the epoch had a finite loss and gradient");
        }
        if (!Double.isFinite(trainLoss)) {
            throw diverged("the training loss is " + trainLoss);
        }
        return trainLoss;
    }

    /** Batches of the current epoch left out. */
    int skipped() {
        return skipped;
    }

    private JobRejectedException diverged(String why) {
        return new JobRejectedException(ErrorCode.DIVERGED, "training diverged in epoch " + epoch + ": " + why
                + "; try a smaller learning rate");
    }
}
