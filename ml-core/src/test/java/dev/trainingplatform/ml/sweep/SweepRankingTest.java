package dev.trainingplatform.ml.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.MetricMode;
import dev.trainingplatform.contract.SweepResult;
import dev.trainingplatform.contract.SweepState;
import dev.trainingplatform.contract.SweepTrial;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SweepRankingTest {

    private static SweepResult running(MetricMode mode, String metric) {
        List<SweepTrial> trials = List.of(trial(1), trial(2), trial(3));
        return SweepResult.newBuilder().setSweepId("s").setState(SweepState.RUNNING).setMetric(metric).setMode(mode)
                .setTrials(trials).setTimestamp(Instant.EPOCH).build();
    }

    private static SweepTrial trial(int n) {
        return SweepTrial.newBuilder().setTrial(n).setJobId("s-trial-" + n).setHyperparameters(Map.of("lr", "0." + n)).build();
    }

    private static JobStatus status(String job, JobState state) {
        return JobStatus.newBuilder().setJobId(job).setState(state).setEpochsCompleted(2).setTimestamp(Instant.EPOCH).build();
    }

    private static EpochMetrics epoch(String job, int epoch, double loss, double accuracy) {
        return EpochMetrics.newBuilder().setJobId(job).setEpoch(epoch).setTotalEpochs(2).setTrainLoss(loss).setTrainSamples(1)
                .setSamplesPerSecond(1).setEpochDurationMs(1).setElapsedMs(1).setEtaMs(0).setTimestamp(Instant.EPOCH)
                .setValidationLoss(loss).setValidationAccuracy(accuracy).build();
    }

    private final Map<String, JobStatus> statuses = new HashMap<>();
    private final Map<String, List<EpochMetrics>> metrics = new HashMap<>();

    private SweepResult now(SweepResult running) {
        return SweepRanking.now(running, id -> Optional.ofNullable(statuses.get(id)),
                id -> metrics.getOrDefault(id, List.of()), Instant.ofEpochMilli(5));
    }

    @Test
    void whileATrialRunsTheSweepRunsWithEachTrialsBestSoFar() {
        statuses.put("s-trial-1", status("s-trial-1", JobState.SUCCEEDED));
        statuses.put("s-trial-2", status("s-trial-2", JobState.RUNNING));
        metrics.put("s-trial-1", List.of(epoch("s-trial-1", 1, 0.5, 0.7), epoch("s-trial-1", 2, 0.6, 0.8)));
        SweepResult r = now(running(MetricMode.MIN, "validationLoss"));
        assertEquals(SweepState.RUNNING, r.getState());
        assertEquals("1 of 3 trials ended", r.getMessage());
        assertEquals(0.5, r.getTrials().get(0).getBestValue());
        assertEquals(1, r.getTrials().get(0).getBestEpoch());
        assertNull(r.getTrials().get(0).getRank(), "no ranks before the end");
        metrics.put("s-trial-2", List.of(epoch("s-trial-2", 1, 0.9, 0.5), epoch("s-trial-2", 2, 0.8, 0.5),
                epoch("s-trial-2", 3, 0.7, 0.5)));
        statuses.put("s-trial-2", JobStatus.newBuilder(status("s-trial-2", JobState.RUNNING)).setEpochsCompleted(0).build());
        assertEquals(3, now(running(MetricMode.MIN, "validationLoss")).getTrials().get(1).getEpochsCompleted(),
                "a running trial's epochs come from its metrics");
        assertNull(r.getTrials().get(2).getState(), "no status yet");
    }

    @Test
    void onceAllEndedTrialsAreRankedBestFirstAndThoseWithoutAValueLast() {
        statuses.put("s-trial-1", status("s-trial-1", JobState.SUCCEEDED));
        statuses.put("s-trial-2", status("s-trial-2", JobState.FAILED));
        statuses.put("s-trial-3", status("s-trial-3", JobState.SUCCEEDED));
        metrics.put("s-trial-1", List.of(epoch("s-trial-1", 1, 0.5, 0.7), epoch("s-trial-1", 2, 0.6, 0.8)));
        metrics.put("s-trial-3", List.of(epoch("s-trial-3", 1, 0.4, 0.6), epoch("s-trial-3", 2, Double.NaN, 0.65)));

        SweepResult byLoss = now(running(MetricMode.MIN, "validationLoss"));
        assertEquals(SweepState.SUCCEEDED, byLoss.getState());
        assertEquals(List.of(3, 1, 2), byLoss.getTrials().stream().map(SweepTrial::getTrial).toList());
        assertEquals(List.of(1, 2), byLoss.getTrials().subList(0, 2).stream().map(SweepTrial::getRank).toList());
        assertNull(byLoss.getTrials().get(2).getRank());
        assertEquals("s-trial-3", byLoss.getBestJobId());
        assertTrue(byLoss.getMessage().startsWith("best: trial 3 {lr=0.3}, validationLoss 0.4 at epoch 1"), byLoss.getMessage());

        SweepResult byAccuracy = now(running(MetricMode.MAX, "validationAccuracy"));
        assertEquals(List.of(1, 3, 2), byAccuracy.getTrials().stream().map(SweepTrial::getTrial).toList());
        assertEquals(0.8, byAccuracy.getTrials().get(0).getBestValue());
    }

    @Test
    void aSweepWhoseTrialsAllEndedWithoutAValueIsCancelledOrFailed() {
        statuses.put("s-trial-1", status("s-trial-1", JobState.CANCELLED));
        statuses.put("s-trial-2", status("s-trial-2", JobState.FAILED));
        statuses.put("s-trial-3", status("s-trial-3", JobState.CANCELLED));
        SweepResult cancelled = now(running(MetricMode.MIN, "validationLoss"));
        assertEquals(SweepState.CANCELLED, cancelled.getState());
        assertEquals("no trial measured validationLoss (1 FAILED, 2 CANCELLED)", cancelled.getMessage());
        statuses.put("s-trial-1", status("s-trial-1", JobState.FAILED));
        statuses.put("s-trial-3", status("s-trial-3", JobState.FAILED));
        assertEquals(SweepState.FAILED, now(running(MetricMode.MIN, "validationLoss")).getState());
    }
}
