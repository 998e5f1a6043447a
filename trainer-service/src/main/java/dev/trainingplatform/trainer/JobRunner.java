package dev.trainingplatform.trainer;

import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.checkpoint.TrainingState;
import dev.trainingplatform.ml.data.LoadedDataCache;
import dev.trainingplatform.ml.data.LoadedDataset;
import dev.trainingplatform.ml.train.Training;
import dev.trainingplatform.ml.train.admission.JobLimits;
import dev.trainingplatform.ml.train.admission.JobValidator;
import dev.trainingplatform.ml.train.admission.TrainingPlan;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * Runs one job from its message to a terminal status: validate, load data, build the model, train
 * while publishing metrics and checkpoints. A job's own failure ends as a FAILED status, never as
 * an exception that would stop the consumer.
 */
@ApplicationScoped
public class JobRunner {

    private static final Logger LOG = Logger.getLogger(JobRunner.class);

    @Inject
    StatusPublisher status;

    @Inject
    MetricsPublisher metrics;

    @Inject
    CheckpointPublisher checkpoints;

    @Inject
    LoadedDataCache datasets;

    @Inject
    JobLimits limits;

    @Inject
    TrainingProgress progress;

    @Inject
    TrainerMetrics trainerMetrics;

    @Inject
    Cancellations cancellations;

    @Inject
    JobHistoryLookup history;

    @Inject
    TrainerConfig config;

    @Inject
    ResumePointStore resumePoints;

    private Optional<JobStatus> earlierStatus(String jobId) {
        try {
            return history.latest(jobId);
        } catch (RuntimeException e) {
            // Better to run a job twice than not at all: go on as if it were new.
            LOG.warnf(e, "job %s: could not read its earlier status; running it as a new job", jobId);
            return Optional.empty();
        }
    }

    /**
     * Where an interrupted job goes on: its resume point and the plan to train it with, or no point
     * and why it could not be used.
     */
    private record Resume(TrainingState state, TrainingPlan plan, String problem) {}

    /**
     * The job's resume point, with the layer list it was saved for: a preset whose expansion changed
     * since (a new trainer version) must not be handed parameters laid out for the old one.
     */
    private Resume resumePoint(TrainingPlan planned) {
        String jobId = planned.job().getJobId();
        try {
            Optional<ResumePointStore.SavedState> saved = resumePoints.latest(jobId);
            if (saved.isEmpty()) {
                return new Resume(null, planned, null);
            }
            ModelSpec model = saved.get().model();
            TrainingPlan plan = planned;
            if (model != null && !model.getLayers().equals(planned.model().getLayers())) {
                try {
                    plan = TrainingPlan.of(planned.job(), model, planned.data(), limits);
                } catch (JobRejectedException e) {
                    throw new JobRejectedException(e.code(), "the layer list its resume point was saved for no longer builds: "
                            + e.getMessage());
                }
                LOG.infof("job %s: resumed with the layer list its resume point was saved for, not the job's as it expands now",
                        jobId);
            }
            return new Resume(saved.get().state(), plan, null);
        } catch (RuntimeException e) {
            LOG.warnf("job %s: starting again from the first epoch: %s", jobId, e.getMessage());
            return new Resume(null, planned, e.getMessage());
        }
    }

    /**
     * @param delivery the share group's delivery count of the job's record (1 the first time)
     * @param owned    false once this trainer no longer holds the job's record (it is stopping, or its
     *                 lock lapsed): the job then stops within a batch and is left, with its resume
     *                 point, to the trainer that takes the record next
     * @return true when the job is over (ended now or before); false when it was handed back to the queue
     */
    public boolean run(TrainingJob job, int delivery, BooleanSupplier owned) {
        String jobId = job.getJobId() == null || job.getJobId().isBlank() ? "(no job id)" : job.getJobId();
        Optional<JobStatus> previous = earlierStatus(jobId);
        AttemptPolicy.Decision decision = new AttemptPolicy(config.limits().maxAttempts()).decide(previous, delivery);
        if (decision instanceof AttemptPolicy.AlreadyEnded ended) {
            // A redelivered record (the trainer stopped before acknowledging it): the job is over.
            LOG.infof("job %s already ended %s (attempt %d); its record was delivered again and is ignored", jobId,
                    ended.state(), ended.attempt());
            trainerMetrics.redeliveryIgnored();
            return true;
        }
        trainerMetrics.jobStarted();
        if (decision instanceof AttemptPolicy.GiveUp giveUp) {
            try {
                status.failed(jobId, giveUp.lastAttempt(), ErrorCode.INTERNAL_ERROR, giveUp.reason(), giveUp.epochsCompleted());
                trainerMetrics.jobFailed(ErrorCode.INTERNAL_ERROR);
            } finally {
                resumePoints.discard(jobId); // an earlier attempt may have left one
            }
            return true;
        }
        return runAttempt(job, jobId, (AttemptPolicy.Run) decision, owned);
    }

    /** @return false when handed back to the queue, true otherwise */
    private boolean runAttempt(TrainingJob job, String jobId, AttemptPolicy.Run run, BooleanSupplier owned) {
        int attempt = run.attempt();
        int epochsDone = 0;
        boolean hasResumePoint = false;
        EpochPublisher publisher = null;
        try {
            if (run.resumable() && !waitForTheLastHolder(jobId, owned)) {
                return false;
            }
            // Validated before QUEUED: a job refused here costs one status, not two.
            JobValidator.validate(job, limits);
            status.publish(jobId, attempt, JobState.QUEUED, 0);
            LoadedDataset data = datasets.load(job.getDataset());
            TrainingPlan planned = TrainingPlan.of(job, data, limits);
            if (cancellations.isCancelled(jobId)) {
                status.cancelled(jobId, attempt, "cancelled before it started", 0);
                trainerMetrics.jobCancelled();
                return true;
            }
            Resume resume = run.resumable() ? resumePoint(planned) : new Resume(null, planned, null);
            TrainingPlan plan = resume.plan();
            TrainingState resumeFrom = resume.state();
            if (resumeFrom != null) {
                epochsDone = resumeFrom.epoch();
                hasResumePoint = true;
                status.running(jobId, attempt, resumeFrom.epoch(), "resumed after epoch " + resumeFrom.epoch());
                trainerMetrics.jobResumed();
            } else if (resume.problem() != null) {
                hasResumePoint = true;
                status.running(jobId, attempt, 0, "started again from the first epoch: " + resume.problem());
            } else {
                status.publish(jobId, attempt, JobState.RUNNING, 0);
            }
            progress.started(jobId, job.getEpochs());
            publisher = new EpochPublisher(plan, attempt, epochsDone,
                    new EpochPublisher.Sinks(metrics, checkpoints, this::saveResumePoint, progress, trainerMetrics),
                    config.resume().interval(), () -> cancellations.isCancelled(jobId) || !owned.getAsBoolean(), owned);
            Training.Outcome outcome = Training.run(plan, publisher, resumeFrom);
            epochsDone = publisher.epochsDone();
            if (outcome == Training.Outcome.STOPPED && !cancellations.isCancelled(jobId)) {
                // Handed back: no status (the next attempt follows RUNNING), the resume point kept for it.
                LOG.infof("job %s: handed back to the queue after %d epochs (this trainer is stopping or lost the "
                        + "record's lock)", jobId, epochsDone);
                hasResumePoint = false;
                publisher = null;
                trainerMetrics.jobHandedOver();
                return false;
            }
            if (outcome == Training.Outcome.STOPPED) {
                status.cancelled(jobId, attempt, "cancelled after " + epochsDone + " of " + job.getEpochs() + " epochs",
                        epochsDone);
                trainerMetrics.jobCancelled();
                return true;
            }
            status.succeeded(jobId, attempt, epochsDone, publisher.stopReason());
            trainerMetrics.jobSucceeded();
        } catch (JobRejectedException e) {
            status.failed(jobId, attempt, e.code(), e.getMessage(), publisher == null ? epochsDone : publisher.epochsDone());
            trainerMetrics.jobFailed(e.code());
        } catch (RuntimeException | Error e) {
            // Whatever the job did (a stack overflow, a heap exhausted by its model), the trainer
            // reports it and takes the next job. A native crash takes the process down instead: the
            // attempt policy ends such a job after maxAttempts deliveries.
            LOG.errorf(e, "job %s failed unexpectedly", jobId);
            status.failed(jobId, attempt, ErrorCode.INTERNAL_ERROR, "internal error: " + e,
                    publisher == null ? epochsDone : publisher.epochsDone());
            trainerMetrics.jobFailed(ErrorCode.INTERNAL_ERROR);
        } finally {
            progress.ended();
            if (hasResumePoint || publisher != null && publisher.savedResumePoint()) {
                resumePoints.discard(jobId);
            }
        }
        return true;
    }

    /**
     * An earlier attempt ran this job, and its trainer may not know yet that it lost the job: a
     * broker restart or a partition leader moving ends a delivery at once, and the old holder learns
     * it at its next renewal (every sixth of the lock), then stops at its next batch without
     * publishing. Waiting a third of the lock before starting keeps the two attempts from ever
     * running at once. A job handed back by a stopping trainer waits the same, as the two cannot be
     * told apart here.
     *
     * @return false when this trainer lost the job or is stopping while it waited
     */
    private boolean waitForTheLastHolder(String jobId, BooleanSupplier owned) {
        long until = System.nanoTime() + config.queue().lockDuration().toNanos() / 3;
        LOG.infof("job %s ran before: starting it in %d s, once any earlier holder has stopped", jobId,
                config.queue().lockDuration().toSeconds() / 3);
        while (System.nanoTime() < until) {
            if (!owned.getAsBoolean()) {
                return false;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /**
     * A record that never becomes a job (too large, undecodable) but whose key can be a job id: the
     * client waiting on that id gets a FAILED status with the reason, unless the id already has a
     * status (a record must not overwrite another job's).
     */
    public void refuse(String key, ErrorCode code, String reason) {
        if (key == null || key.isBlank() || key.length() > dev.trainingplatform.contract.ContractLimits.MAX_JOB_ID_CHARS) {
            return;
        }
        if (earlierStatus(key).isPresent()) {
            LOG.infof("job %s already has a status; the refused record under its key is left on the dead-letter topic",
                    key);
            return;
        }
        status.failed(key, 1, code, reason, 0);
        trainerMetrics.jobFailed(code);
    }

    /** A resume point that cannot be written costs only the work since the last one: training goes on. */
    private void saveResumePoint(TrainingPlan plan, int attempt, Training.Snapshot snapshot) {
        try {
            resumePoints.save(plan, attempt, snapshot.state());
        } catch (RuntimeException e) {
            LOG.warnf(e, "job %s: could not save a resume point", plan.job().getJobId());
            trainerMetrics.resumePointFailed();
        }
    }
}
