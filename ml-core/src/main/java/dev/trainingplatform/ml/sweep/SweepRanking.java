package dev.trainingplatform.ml.sweep;

import dev.trainingplatform.contract.ContractLimits;
import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.MetricMode;
import dev.trainingplatform.contract.SweepRequest;
import dev.trainingplatform.contract.SweepResult;
import dev.trainingplatform.contract.SweepState;
import dev.trainingplatform.contract.SweepTrial;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where a sweep stands, from its trials' statuses and metrics: one function for the trainer that
 * publishes the ranking and for the CLI that shows the sweep while it runs, so both rank alike.
 */
public final class SweepRanking {

    private SweepRanking() {}

    /** The RUNNING result an expansion publishes: every trial with its values, none started. */
    public static SweepResult running(SweepRequest request, List<SweepPlan.Trial> trials, Instant at) {
        List<SweepTrial> listed = new ArrayList<>();
        for (SweepPlan.Trial t : trials) {
            listed.add(SweepTrial.newBuilder().setTrial(t.number()).setJobId(t.jobId())
                    .setHyperparameters(t.hyperparameters()).build());
        }
        return SweepResult.newBuilder().setSweepId(request.getSweepId()).setState(SweepState.RUNNING)
                .setMetric(request.getMetric()).setMode(SweepPlan.mode(request)).setTrials(listed)
                .setMessage(trials.size() + " trials queued").setTimestamp(at).build();
    }

    public static boolean ended(JobState state) {
        return state == JobState.SUCCEEDED || state == JobState.FAILED || state == JobState.CANCELLED;
    }

    /**
     * The sweep now: each trial's state, epochs and best value of the metric so far. Once every trial
     * has ended, the final result: trials ranked best first (those without a value last, by trial
     * number), SUCCEEDED when at least one has a value, else CANCELLED if any trial was cancelled,
     * else FAILED.
     *
     * @param running the sweep's RUNNING result (its trials as expanded)
     * @param status  a trial job's latest status, by job id
     * @param metrics a trial job's epoch metrics, by job id
     */
    public static SweepResult now(SweepResult running, Function<String, Optional<JobStatus>> status,
                                  Function<String, List<EpochMetrics>> metrics, Instant at) {
        boolean lowerIsBetter = running.getMode() != MetricMode.MAX;
        List<SweepTrial> trials = new ArrayList<>();
        boolean allEnded = true;
        boolean anyCancelled = false;
        for (SweepTrial listed : running.getTrials()) {
            SweepTrial t = SweepTrial.newBuilder(listed).setRank(null).build();
            Optional<JobStatus> s = status.apply(t.getJobId());
            if (s.isPresent()) {
                t.setState(s.get().getState());
                t.setEpochsCompleted(s.get().getEpochsCompleted());
                t.setMessage(ContractLimits.clip(s.get().getMessage(), 500));
                anyCancelled |= s.get().getState() == JobState.CANCELLED;
            }
            allEnded &= s.isPresent() && ended(s.get().getState());
            Double best = null;
            Integer bestEpoch = null;
            for (EpochMetrics m : metrics.apply(t.getJobId())) {
                // A running trial's status says 0 epochs until it ends: its metrics say how far it is.
                t.setEpochsCompleted(Math.max(t.getEpochsCompleted(), m.getEpoch()));
                Double v = running.getMetric().equals("validationAccuracy") ? m.getValidationAccuracy() : m.getValidationLoss();
                if (v != null && Double.isFinite(v) && (best == null || (lowerIsBetter ? v < best : v > best))) {
                    best = v;
                    bestEpoch = m.getEpoch();
                }
            }
            t.setBestValue(best);
            t.setBestEpoch(bestEpoch);
            trials.add(t);
        }
        SweepResult.Builder result = SweepResult.newBuilder(running).setTimestamp(at);
        if (!allEnded) {
            long done = trials.stream().filter(t -> t.getState() != null && ended(t.getState())).count();
            return result.setTrials(trials).setMessage(done + " of " + trials.size() + " trials ended").build();
        }
        Comparator<SweepTrial> byValue = Comparator.comparing(SweepTrial::getBestValue);
        List<SweepTrial> ranked = new ArrayList<>(trials.stream().filter(t -> t.getBestValue() != null)
                .sorted((lowerIsBetter ? byValue : byValue.reversed()).thenComparing(SweepTrial::getTrial)).toList());
        for (int i = 0; i < ranked.size(); i++) {
            ranked.get(i).setRank(i + 1);
        }
        trials.stream().filter(t -> t.getBestValue() == null).forEach(ranked::add);
        result.setTrials(ranked);
        if (ranked.isEmpty() || ranked.get(0).getRank() == null) {
            return result.setState(anyCancelled ? SweepState.CANCELLED : SweepState.FAILED).setBestJobId(null)
                    .setMessage("no trial measured " + running.getMetric() + " (" + summary(trials) + ")").build();
        }
        SweepTrial best = ranked.get(0);
        return result.setState(SweepState.SUCCEEDED).setBestJobId(best.getJobId())
                .setMessage("best: trial " + best.getTrial() + " " + new java.util.TreeMap<>(best.getHyperparameters()) + ", " + running.getMetric()
                        + " " + best.getBestValue() + " at epoch " + best.getBestEpoch() + " (" + summary(trials) + ")")
                .build();
    }

    private static String summary(List<SweepTrial> trials) {
        java.util.Map<JobState, Long> counts = new java.util.EnumMap<>(JobState.class);
        trials.forEach(t -> counts.merge(t.getState(), 1L, Long::sum));
        List<String> parts = new ArrayList<>();
        counts.forEach((state, n) -> parts.add(n + " " + state));
        return String.join(", ", parts);
    }
}
