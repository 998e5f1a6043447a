package dev.trainingplatform.trainer;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * What this trainer is doing right now, updated by the training loop: the job, its epochs and when
 * the last batch finished. Health and metrics read it.
 */
@ApplicationScoped
public class TrainingProgress {

    private final Clock clock;
    private volatile String jobId;
    private volatile int totalEpochs;
    private volatile int epochsDone;
    private volatile Instant lastBatch;

    public TrainingProgress() {
        this(Clock.systemUTC());
    }

    TrainingProgress(Clock clock) {
        this.clock = clock;
    }

    public void started(String jobId, int totalEpochs) {
        this.totalEpochs = totalEpochs;
        this.epochsDone = 0;
        this.lastBatch = clock.instant();
        this.jobId = jobId;
    }

    public void batchFinished() {
        lastBatch = clock.instant();
    }

    public void epochFinished(int epoch) {
        epochsDone = epoch;
    }

    public void ended() {
        jobId = null;
    }

    public String jobId() {
        return jobId;
    }

    /** Fraction of the running job's epochs done; 0 when idle. */
    public double fractionDone() {
        return jobId == null || totalEpochs == 0 ? 0 : (double) epochsDone / totalEpochs;
    }

    /** How long the running job has gone without finishing a batch; zero when idle. */
    public Duration sinceLastBatch() {
        Instant last = lastBatch;
        return jobId == null || last == null ? Duration.ZERO : Duration.between(last, clock.instant());
    }
}
