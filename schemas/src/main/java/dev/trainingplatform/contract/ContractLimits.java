package dev.trainingplatform.contract;

/**
 * Sizes the contract promises, so that no reader ever publishes more than a topic takes: user text
 * echoed into an event is clipped, and records over a reader's limit are dead-lettered by reference.
 */
public final class ContractLimits {

    /** A job id is 1 to this many characters; longer ones get no status under their own key. */
    public static final int MAX_JOB_ID_CHARS = 200;

    /**
     * A job id up to this length still gets a FAILED status under its own key (saying it is too
     * long); a longer one would make the status itself too large, so its record is dead-lettered.
     */
    public static final int MAX_ECHOED_JOB_ID_CHARS = 4096;

    /** Messages in status and evaluation events, and reasons in dead-letter headers. */
    public static final int MAX_MESSAGE_CHARS = 2000;

    /**
     * The largest TrainingJob record a trainer decodes: a job is a layer list and a few numbers, a few
     * KiB. Larger records go to the dead-letter topic by reference (key, partition, offset, size), so
     * that a copy with its headers never exceeds the dead-letter topic's 1 MB (broker default).
     */
    public static final int MAX_JOB_RECORD_BYTES = 900 * 1024;

    /** A sweep id is 1 to this many characters, so that its trials' job ids ({@code <sweepId>-trial-<n>}) stay within {@link #MAX_JOB_ID_CHARS}. */
    public static final int MAX_SWEEP_ID_CHARS = 180;

    /** A sweep's trial budget is at most this: each trial is a job, and the SweepResult lists them all. */
    public static final int MAX_SWEEP_TRIALS = 100;

    /** Parameters one sweep may vary. */
    public static final int MAX_SWEEP_PARAMETERS = 16;

    /** Values one swept parameter may list. */
    public static final int MAX_SWEEP_VALUES = 100;

    private ContractLimits() {}

    /** {@code text} cut to {@code max} characters, saying how much was cut. */
    public static String clip(String text, int max) {
        if (text == null || text.length() <= max) {
            return text;
        }
        String note = "... (" + (text.length() - max) + " more characters cut)";
        return text.substring(0, Math.max(0, max - note.length())) + note;
    }

    public static String clip(String text) {
        return clip(text, MAX_MESSAGE_CHARS);
    }
}
