package dev.trainingplatform.ml.train;

import dev.trainingplatform.contract.TrainingJob;
import java.util.Locale;

/**
 * Stops a job once its metric has not improved for {@code patience} epochs in a row, saying why:
 * "stopped early after epoch 9: validation loss did not improve for 3 epochs, best 0.301 at epoch 6".
 */
final class EarlyStopping {

    private final MetricTracker tracker;
    private final int patience;

    private EarlyStopping(MetricTracker tracker, int patience) {
        this.tracker = tracker;
        this.patience = patience;
    }

    /** The job's early stopping, or null where it has none. */
    static EarlyStopping of(TrainingJob job) {
        var spec = job.getEarlyStopping();
        return spec == null ? null : new EarlyStopping(new MetricTracker(spec.getMetric(), spec.getMode(),
                spec.getMinDelta()), spec.getPatience());
    }

    MetricTracker tracker() {
        return tracker;
    }

    /** @return the reason to stop after this epoch, or null to go on */
    String observe(int epoch, Double validationLoss, Double validationAccuracy) {
        tracker.observe(epoch, MetricTracker.valueIn(tracker.metric(), validationLoss, validationAccuracy));
        int without = epoch - tracker.bestEpoch();
        if (tracker.bestEpoch() == 0 || without < patience) {
            return null;
        }
        return String.format(Locale.ROOT, "stopped early after epoch %d: %s did not improve for %d epoch%s, best %.4g at epoch %d",
                epoch, tracker.readable(), without, without == 1 ? "" : "s", tracker.best(), tracker.bestEpoch());
    }
}
