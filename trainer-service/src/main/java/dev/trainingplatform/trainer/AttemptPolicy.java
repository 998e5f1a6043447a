package dev.trainingplatform.trainer;

import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import java.util.Optional;

/**
 * What to do with a job's record, from the job's latest status alone: a pure decision, no broker.
 * A record is delivered again when the trainer that had it stopped before committing it (a crash, a
 * rollout, a partition handed over); each delivery of an unfinished job is its next attempt, and the
 * delivery after {@code maxAttempts} ends the job without running it, so a job that crashes the
 * process cannot do so forever.
 */
public record AttemptPolicy(int maxAttempts) {

    /** The outcome for one delivery of a job's record. */
    public sealed interface Decision permits AlreadyEnded, GiveUp, Run {}

    /** The job ended before this delivery: the record is a redelivery and is ignored. */
    public record AlreadyEnded(JobState state, int attempt) implements Decision {}

    /** Too many attempts did not finish: end the job FAILED with {@code reason}, without running it. */
    public record GiveUp(int lastAttempt, int epochsCompleted, String reason) implements Decision {}

    /**
     * Run it as {@code attempt}. {@code resumable}: an earlier attempt ran, so a resume point may be
     * waiting.
     */
    public record Run(int attempt, boolean resumable) implements Decision {}

    public Decision decide(Optional<JobStatus> previous) {
        if (previous.isEmpty()) {
            return new Run(1, false);
        }
        JobStatus last = previous.get();
        if (isTerminal(last.getState())) {
            return new AlreadyEnded(last.getState(), last.getAttempt());
        }
        int attempt = last.getAttempt() + 1;
        if (attempt > maxAttempts) {
            int done = attempt - 1;
            return new GiveUp(done, last.getEpochsCompleted(), "given up after " + done + " attempts that did not "
                    + "finish: the trainer running it crashed or stopped " + done + " times, so it is not run again "
                    + "(last state " + last.getState() + " after " + last.getEpochsCompleted() + " epochs)");
        }
        return new Run(attempt, true);
    }

    static boolean isTerminal(JobState s) {
        return s == JobState.SUCCEEDED || s == JobState.FAILED || s == JobState.CANCELLED;
    }
}
