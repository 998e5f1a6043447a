package dev.trainingplatform.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

class TrainerLivenessTest {

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private final ManualClock clock = new ManualClock();
    private final TrainingProgress progress = new TrainingProgress(clock);
    private final TrainerLiveness check = new TrainerLiveness(progress, Duration.ofMinutes(30));

    private HealthCheckResponse.Status status() {
        return check.call().getStatus();
    }

    @Test
    void aLongJobThatKeepsFinishingBatchesStaysAlive() {
        progress.started("long", 1000);
        for (int hour = 0; hour < 48; hour++) {
            clock.now = clock.now.plus(Duration.ofMinutes(29));
            progress.batchFinished();
            assertThat(status()).isEqualTo(HealthCheckResponse.Status.UP);
        }
    }

    @Test
    void aJobWithoutProgressForTheLimitIsReportedStuckAndRecovers() {
        progress.started("stuck", 10);
        clock.now = clock.now.plus(Duration.ofMinutes(31));
        HealthCheckResponse response = check.call();
        assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
        assertThat(response.getData().orElseThrow()).containsEntry("job", "stuck").containsEntry("secondsSinceLastBatch", 1860L);
        progress.batchFinished();
        assertThat(status()).isEqualTo(HealthCheckResponse.Status.UP);
    }

    @Test
    void anIdleTrainerIsAliveHoweverLongItWaits() {
        progress.started("done", 1);
        progress.ended();
        clock.now = clock.now.plus(Duration.ofDays(3));
        assertThat(status()).isEqualTo(HealthCheckResponse.Status.UP);
        assertThat(progress.fractionDone()).isZero();
    }
}
