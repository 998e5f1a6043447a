package dev.trainingplatform.trainer;

import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import java.util.Optional;

/**
 * What to do with one delivery of a job's record, from the job's latest status and the share
 * group's delivery count: a pure decision, no broker. A record is delivered again when the trainer
 * that had it did not acknowledge it (a crash, a rollout, a lock that lapsed); each delivery of an
 * unfinished job is its next attempt, and the delivery after {@code maxAttempts} ends the job without
 * running it, so a job that crashes the process cannot do so forever.
 *
 * <p>The share group stops delivering a record after {@code maxAttempts + 1} deliveries
 * ({@code JobQueues.groupConfigs}), so that last delivery is always one that gives up: it ends the job
 * FAILED with the reason instead of letting it vanish from the queue unanswered. The delivery count
 * also covers attempts that died before publishing any status.
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

    /** @param delivery the share group's delivery count of this record, 1 the first time */
    public Decision decide(Optional<JobStatus> previous, int delivery) {
        if (previous.isPresent() && isTerminal(previous.get().getState())) {
            return new AlreadyEnded(previous.get().getState(), previous.get().getAttempt());
        }
        if (delivery > maxAttempts) {
            int lastAttempt = previous.map(JobStatus::getAttempt).orElse(0);
            return new GiveUp(lastAttempt, previous.map(JobStatus::getEpochsCompleted).orElse(0), "given up after "
                    + (delivery - 1) + " deliveries of its record that did not finish: the trainer running it crashed "
                    + "or stopped " + (delivery - 1) + " times, so it is not run again"
                    + previous.map(l -> " (last state " + l.getState() + " after " + l.getEpochsCompleted() + " epochs)")
                            .orElse(""));
        }
        if (previous.isEmpty()) {
            return new Run(1, false);
        }
        JobStatus last = previous.get();
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
