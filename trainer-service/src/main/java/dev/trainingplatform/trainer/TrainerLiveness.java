package dev.trainingplatform.trainer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Down only when a job has made no progress at all for {@code trainer.health.stuck-after}: a long
 * job whose batches keep finishing is alive however long it runs, and an idle trainer is alive.
 */
@Liveness
@ApplicationScoped
public class TrainerLiveness implements HealthCheck {

    private final TrainingProgress progress;
    private final Duration stuckAfter;

    @Inject
    public TrainerLiveness(TrainingProgress progress, TrainerConfig config) {
        this(progress, config.health().stuckAfter());
    }

    TrainerLiveness(TrainingProgress progress, Duration stuckAfter) {
        this.progress = progress;
        this.stuckAfter = stuckAfter;
    }

    @Override
    public HealthCheckResponse call() {
        Duration quiet = progress.sinceLastBatch();
        String job = progress.jobId();
        return HealthCheckResponse.named("trainer progress")
                .status(quiet.compareTo(stuckAfter) < 0)
                .withData("job", job == null ? "none" : job)
                .withData("secondsSinceLastBatch", quiet.toSeconds())
                .withData("stuckAfterSeconds", stuckAfter.toSeconds())
                .build();
    }
}
