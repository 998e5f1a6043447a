package dev.trainingplatform.trainer;

import dev.trainingplatform.ml.train.Training;
import dev.trainingplatform.ml.train.admission.TrainingPlan;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * A running job's observer, as DJL splits its training listeners: after each epoch the metrics event,
 * the checkpoint at the job's cadence (and always after the last epoch) and a resume point at every
 * checkpoint and whenever the resume interval has passed; after each batch the progress; between
 * batches whether to stop (cancelled, or the job's record is no longer this trainer's).
 */
final class EpochPublisher implements Training.Observer {

    /** Where the publishers and the trainer's bookkeeping live, for one job. */
    record Sinks(MetricsPublisher metrics, CheckpointPublisher checkpoints, ResumePoints resumePoints,
                 TrainingProgress progress, TrainerMetrics trainerMetrics) {}

    /** Saves a resume point, never failing the job (the cost of a missed one is the work since the last). */
    interface ResumePoints {
        void save(TrainingPlan plan, int attempt, Training.Snapshot snapshot);
    }

    private final TrainingPlan plan;
    private final int attempt;
    private final Sinks sinks;
    private final BooleanSupplier stop;
    private final BooleanSupplier held;
    private final int checkpointEvery;
    private final Duration resumeInterval;
    private long lastResumePoint = System.nanoTime();
    private int epochsDone;
    private boolean savedResumePoint;
    private String stopReason;

    /**
     * @param stop true stops training after the current batch (cancelled, or the job is no longer held)
     * @param held false once this trainer no longer holds the job's record: nothing more is published
     */
    EpochPublisher(TrainingPlan plan, int attempt, int epochsDone, Sinks sinks, Duration resumeInterval, BooleanSupplier stop,
                   BooleanSupplier held) {
        this.plan = plan;
        this.attempt = attempt;
        this.epochsDone = epochsDone;
        this.sinks = sinks;
        this.stop = stop;
        this.held = held;
        this.resumeInterval = resumeInterval;
        this.checkpointEvery = plan.job().getCheckpoint() == null ? 0 : plan.job().getCheckpoint().getEveryEpochs();
    }

    @Override
    public void epochFinished(Training.EpochResult epoch, Training.Snapshot snapshot) {
        if (!held.getAsBoolean()) {
            // Lost the job while finishing the epoch (its test and validation passes can take a
            // while): another trainer may run it now, so this epoch is not published; training stops
            // at the next batch.
            return;
        }
        String jobId = plan.job().getJobId();
        if (!sinks.metrics().publish(jobId, attempt, epoch, held)) {
            return;
        }
        epochsDone = epoch.epoch();
        sinks.progress().epochFinished(epoch.epoch());
        sinks.trainerMetrics().epochFinished(epoch.durationMs(), epoch.trainSamples());
        stopReason = epoch.stopReason();
        boolean last = epoch.last();
        // One checkpoint per epoch at most: the last, the periodic and the best one may be the same.
        boolean checkpoint = last || epoch.best() || checkpointEvery > 0 && epoch.epoch() % checkpointEvery == 0;
        if (checkpoint) {
            sinks.checkpoints().publish(plan, attempt, epoch, snapshot.parameters(), held);
        }
        boolean due = !resumeInterval.isZero() && System.nanoTime() - lastResumePoint >= resumeInterval.toNanos();
        if (!last && (checkpoint || due)) {
            sinks.resumePoints().save(plan, attempt, snapshot);
            lastResumePoint = System.nanoTime();
            savedResumePoint = true;
        }
    }

    @Override
    public void batchFinished() {
        sinks.progress().batchFinished();
    }

    @Override
    public boolean stopRequested() {
        return stop.getAsBoolean();
    }

    int epochsDone() {
        return epochsDone;
    }

    /** Why early stopping ended the job after its last published epoch; null where it did not. */
    String stopReason() {
        return stopReason;
    }

    /** Whether this attempt saved a resume point (to be discarded when the job ends). */
    boolean savedResumePoint() {
        return savedResumePoint;
    }
}
