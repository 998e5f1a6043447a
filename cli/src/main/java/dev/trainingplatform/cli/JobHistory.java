package dev.trainingplatform.cli;

import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.EvaluationResult;
import dev.trainingplatform.contract.JobStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything on the topics about one job so far. Epochs replayed after a restart are folded: for
 * each epoch the event of the latest attempt wins (see the README on replays).
 */
record JobHistory(String jobId, JobStatus lastStatus, List<EpochMetrics> epochs, List<EvaluationResult> evaluations) {

    static JobHistory read(KafkaSettings kafka, String jobId) {
        Map<Integer, EpochMetrics> epochs = new TreeMap<>();
        List<EvaluationResult> evaluations = new ArrayList<>();
        JobWatcher.Listener collect = new JobWatcher.Listener() {
            @Override
            public void epoch(EpochMetrics m) {
                epochs.merge(m.getEpoch(), m, (old, now) -> now.getAttempt() >= old.getAttempt() ? now : old);
            }

            @Override
            public void evaluation(EvaluationResult result) {
                evaluations.add(result);
            }
        };
        try (JobWatcher watcher = JobWatcher.replayed(kafka, jobId, collect)) {
            return new JobHistory(jobId, watcher.lastStatus(), new ArrayList<>(epochs.values()), evaluations);
        }
    }

    /** The evaluation of the final checkpoint, else the latest one; null if there is none. */
    EvaluationResult latestEvaluation() {
        EvaluationResult best = null;
        for (EvaluationResult r : evaluations) {
            if (best == null || r.getFinalCheckpoint() || !best.getFinalCheckpoint()) {
                best = r;
            }
        }
        return best;
    }

    /** The evaluation of the latest checkpoint the job marked best (checkpoint.keepBest); null if none. */
    EvaluationResult bestEvaluation() {
        EvaluationResult best = null;
        for (EvaluationResult r : evaluations) {
            if (r.getBestCheckpoint() && (best == null || r.getAttempt() > best.getAttempt()
                    || r.getAttempt() == best.getAttempt() && r.getEpoch() >= best.getEpoch())) {
                best = r;
            }
        }
        return best;
    }

    String state() {
        return lastStatus == null ? "submitted, not started" : lastStatus.getState().toString();
    }
}
