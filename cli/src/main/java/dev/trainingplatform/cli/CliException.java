package dev.trainingplatform.cli;

/** A failure the user can act on: printed as one line, with the command's exit code. */
final class CliException extends RuntimeException {

    /** The job ended FAILED or CANCELLED, or did not meet what was asked of it. */
    static final int JOB_FAILED = 1;
    /** Bad input: options, job file, configuration. */
    static final int INVALID_INPUT = 2;
    /** No such job, or nothing to show for it yet. */
    static final int NOT_FOUND = 3;
    /** The broker cannot be reached. */
    static final int KAFKA_UNAVAILABLE = 4;

    private final int exitCode;

    CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
