package dev.trainingplatform.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The attempt policy alone: which delivery of a job's record runs, resumes, is ignored or given up. */
class AttemptPolicyTest {

    private final AttemptPolicy policy = new AttemptPolicy(3);

    private static Optional<JobStatus> last(JobState state, int attempt, int epochs) {
        return Optional.of(JobStatus.newBuilder().setJobId("j").setState(state).setAttempt(attempt)
                .setEpochsCompleted(epochs).setTimestamp(Instant.EPOCH).build());
    }

    @Test
    void aNewJobRunsAsItsFirstAttemptWithNothingToResume() {
        assertThat(policy.decide(Optional.empty(), 1)).isEqualTo(new AttemptPolicy.Run(1, false));
    }

    @Test
    void anInterruptedJobRunsAsItsNextAttemptAndMayResume() {
        assertThat(policy.decide(last(JobState.RUNNING, 1, 4), 2)).isEqualTo(new AttemptPolicy.Run(2, true));
        assertThat(policy.decide(last(JobState.QUEUED, 2, 0), 3)).isEqualTo(new AttemptPolicy.Run(3, true));
    }

    @Test
    void aRedeliveredRecordOfAFinishedJobIsIgnored() {
        for (JobState ended : new JobState[] {JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED}) {
            assertThat(policy.decide(last(ended, 2, 5), 3)).isEqualTo(new AttemptPolicy.AlreadyEnded(ended, 2));
        }
    }

    @Test
    void theDeliveryAfterTheLastAllowedAttemptGivesUpWithoutRunning() {
        AttemptPolicy.Decision d = policy.decide(last(JobState.RUNNING, 3, 2), 3);
        assertThat(d).isInstanceOfSatisfying(AttemptPolicy.GiveUp.class, g -> {
            assertThat(g.lastAttempt()).isEqualTo(3);
            assertThat(g.epochsCompleted()).isEqualTo(2);
            assertThat(g.reason()).contains("given up after 3 attempts").contains("crashed or stopped 3 times")
                    .contains("RUNNING after 2 epochs");
        });
        assertThat(new AttemptPolicy(1).decide(last(JobState.QUEUED, 1, 0), 1)).isInstanceOf(AttemptPolicy.GiveUp.class);
    }

    @Test
    void theShareGroupsLastDeliveryGivesUpEvenWhenTheStatusesShowFewerAttempts() {
        // Attempts that died before publishing anything: the statuses know of one, the broker of three.
        AttemptPolicy.Decision d = policy.decide(last(JobState.RUNNING, 1, 7), 4);
        assertThat(d).isInstanceOfSatisfying(AttemptPolicy.GiveUp.class, g -> {
            assertThat(g.lastAttempt()).isEqualTo(1);
            assertThat(g.epochsCompleted()).isEqualTo(7);
            assertThat(g.reason()).contains("given up after 3 deliveries").contains("RUNNING after 7 epochs");
        });
        assertThat(policy.decide(Optional.empty(), 4)).isInstanceOf(AttemptPolicy.GiveUp.class);
        assertThat(policy.decide(Optional.empty(), 3)).isEqualTo(new AttemptPolicy.Run(1, false));
    }

    @Test
    void aFinishedJobIsIgnoredWhateverItsDeliveryCount() {
        assertThat(policy.decide(last(JobState.SUCCEEDED, 1, 5), 4))
                .isEqualTo(new AttemptPolicy.AlreadyEnded(JobState.SUCCEEDED, 1));
    }
}
