package dev.trainingplatform.trainer;

import dev.trainingplatform.contract.Topics;
import java.util.List;

/**
 * Which job queue an idle trainer looks at first: a pure rule, counted per trainer over the jobs it
 * has started. Mostly HIGH, then NORMAL, then LOW; but the 4th, 12th, 20th, ... job it starts comes
 * from NORMAL first and the 8th, 16th, ... from LOW first. So however full the higher queues stay,
 * the job at the head of NORMAL is started by the time a trainer has started 4 more jobs, and the
 * one at the head of LOW by the time it has started 8 more: priorities order the queues without
 * starving the lowest one.
 */
public final class QueueOrder {

    static final List<String> HIGH_FIRST = List.of(Topics.JOBS_HIGH, Topics.JOBS, Topics.JOBS_LOW);
    static final List<String> NORMAL_FIRST = List.of(Topics.JOBS, Topics.JOBS_HIGH, Topics.JOBS_LOW);
    static final List<String> LOW_FIRST = List.of(Topics.JOBS_LOW, Topics.JOBS_HIGH, Topics.JOBS);

    private QueueOrder() {}

    /** The topics to look at, in order, for a trainer's next job when it has started {@code started} jobs. */
    public static List<String> forNextJob(long started) {
        long n = started + 1;
        if (n % 8 == 0) {
            return LOW_FIRST;
        }
        if (n % 4 == 0) {
            return NORMAL_FIRST;
        }
        return HIGH_FIRST;
    }
}
