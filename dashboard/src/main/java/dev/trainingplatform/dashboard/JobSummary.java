package dev.trainingplatform.dashboard;

import java.util.Map;

/**
 * A job as the job list shows it: its latest state, attempt and message, progress from its latest
 * epoch, and the labels it was submitted with. {@code state} is {@code SUBMITTED} until a trainer
 * reports on it.
 */
public record JobSummary(String jobId, String state, int attempt, String message, int epoch, int totalEpochs,
                         Long etaMs, Map<String, String> labels, long updated) {

    static JobSummary submitted(String jobId, int totalEpochs, Map<String, String> labels, long at) {
        return new JobSummary(jobId, "SUBMITTED", 0, null, 0, totalEpochs, null, labels, at);
    }

    JobSummary withStatus(String state, int attempt, String message, int epochsCompleted, long at) {
        return new JobSummary(jobId, state, attempt, message, Math.max(epoch, epochsCompleted), totalEpochs,
                state.equals("RUNNING") || state.equals("QUEUED") ? etaMs : null, labels, at);
    }

    JobSummary withEpoch(int epoch, int totalEpochs, long etaMs, long at) {
        return new JobSummary(jobId, state, attempt, message, epoch, totalEpochs, state.equals("RUNNING") ? etaMs : null,
                labels, at);
    }

    JobSummary withLabels(Map<String, String> labels, int totalEpochs) {
        return new JobSummary(jobId, state, attempt, message, epoch, this.totalEpochs == 0 ? totalEpochs : this.totalEpochs,
                etaMs, labels, updated);
    }
}
