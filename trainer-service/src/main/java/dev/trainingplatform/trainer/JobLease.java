package dev.trainingplatform.trainer;

import java.util.function.LongSupplier;

/**
 * This trainer's hold on the job it runs: the share group's acquisition lock on the job's record, as
 * far as the trainer knows it. The lock lasts {@code lockMs} from the last renewal the broker
 * confirmed; the job runs on only while at least {@code marginMs} of it is left, and not at all once
 * the trainer is stopping. A trainer frozen past its lock (a long GC pause, a stopped process, a cut
 * network) finds the lease expired at its next batch and stops without publishing, because by then
 * the broker may have handed the record to another trainer.
 */
public final class JobLease {

    private final LongSupplier clockMs;
    private final long lockMs;
    private final long marginMs;
    private volatile long heldUntilMs;
    private volatile boolean released;

    /** @param acquiredAtMs when the record was acquired (its lock began no earlier) */
    public JobLease(LongSupplier clockMs, long acquiredAtMs, long lockMs, long marginMs) {
        this.clockMs = clockMs;
        this.lockMs = lockMs;
        this.marginMs = marginMs;
        this.heldUntilMs = acquiredAtMs + lockMs;
    }

    /** The broker confirmed a renewal sent at {@code sentAtMs}: the lock runs {@code lockMs} from then at least. */
    public void renewed(long sentAtMs) {
        heldUntilMs = Math.max(heldUntilMs, sentAtMs + lockMs);
    }

    /** The job is to stop: the trainer is stopping, or the broker refused a renewal. */
    public void release() {
        released = true;
    }

    public boolean held() {
        return !released && clockMs.getAsLong() < heldUntilMs - marginMs;
    }

    public long lockMs() {
        return lockMs;
    }
}
