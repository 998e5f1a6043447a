package dev.trainingplatform.ml;

import dev.trainingplatform.contract.ErrorCode;

/**
 * A job (or checkpoint) that cannot be run as given. The message is written for the person who
 * submitted it and ends up verbatim in the FAILED status.
 */
public class JobRejectedException extends RuntimeException {

    private final ErrorCode code;

    public JobRejectedException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public JobRejectedException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
