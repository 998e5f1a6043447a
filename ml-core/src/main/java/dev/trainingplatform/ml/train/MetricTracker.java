package dev.trainingplatform.ml.train;

import dev.trainingplatform.contract.MetricMode;

/**
 * The best value of one per-epoch metric so far and the epoch that reached it: what early stopping
 * counts its patience from and what marks a checkpoint best. Its state is two numbers, saved with the
 * training state so that a resumed job decides exactly as the uninterrupted one would have.
 */
public final class MetricTracker {

    /** The metrics a job may track: measured on the validation split, never the test split. */
    public static final java.util.List<String> METRICS = java.util.List.of("validationLoss", "validationAccuracy");

    private final String metric;
    private final boolean lowerIsBetter;
    private final double minDelta;
    private double best = Double.NaN;
    private int bestEpoch;

    public MetricTracker(String metric, MetricMode mode, double minDelta) {
        this.metric = metric;
        this.lowerIsBetter = mode == null ? !metric.endsWith("Accuracy") : mode == MetricMode.MIN;
        this.minDelta = minDelta;
    }

    /** The metric's value in this epoch's results. */
    static double valueIn(String metric, Double validationLoss, Double validationAccuracy) {
        Double v = metric.equals("validationAccuracy") ? validationAccuracy : validationLoss;
        return v == null ? Double.NaN : v;
    }

    /** @return whether {@code value} improves on the best so far by more than minDelta (the first always does) */
    public boolean observe(int epoch, double value) {
        if (Double.isNaN(value)) {
            return false;
        }
        boolean improved = Double.isNaN(best) || (lowerIsBetter ? value < best - minDelta : value > best + minDelta);
        if (improved) {
            best = value;
            bestEpoch = epoch;
        }
        return improved;
    }

    public String metric() {
        return metric;
    }

    public double best() {
        return best;
    }

    public int bestEpoch() {
        return bestEpoch;
    }

    /** As the training state saves it: the best value (NaN for none) and its epoch. */
    public double[] state() {
        return new double[] {best, bestEpoch};
    }

    public void restore(double[] state) {
        best = state[0];
        bestEpoch = (int) state[1];
    }

    /** "validation loss" for validationLoss. */
    String readable() {
        return metric.replace("validation", "validation ").replace("Loss", "loss").replace("Accuracy", "accuracy")
                .replace("  ", " ");
    }
}
