package dev.trainingplatform.cli;

import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.EvaluationResult;
import dev.trainingplatform.contract.JobStatus;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * What `watch` shows: status changes, a progress bar per epoch with the ETA and the latest metrics,
 * then the evaluation. On a terminal the bar is redrawn in place; otherwise one line per epoch.
 */
final class ProgressDisplay implements JobWatcher.Listener {

    static final int BAR_WIDTH = 30;

    private final PrintWriter out;
    private final boolean inPlace;
    private boolean barShown;

    ProgressDisplay(PrintWriter out, boolean inPlace) {
        this.out = out;
        this.inPlace = inPlace;
    }

    @Override
    public void status(JobStatus status) {
        endBar();
        out.println(ResultPrinter.status(status));
        out.flush();
    }

    @Override
    public void epoch(EpochMetrics m) {
        String line = bar(m);
        if (inPlace) {
            out.print("\r" + line);
            barShown = true;
        } else {
            out.println(line);
        }
        out.flush();
    }

    @Override
    public void evaluation(EvaluationResult result) {
        endBar();
        out.print(ResultPrinter.evaluation(result));
        out.flush();
    }

    private void endBar() {
        if (barShown) {
            out.println();
            barShown = false;
        }
    }

    static String bar(EpochMetrics m) {
        double done = m.getTotalEpochs() == 0 ? 1 : (double) m.getEpoch() / m.getTotalEpochs();
        int filled = (int) Math.round(done * BAR_WIDTH);
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "epoch %" + digits(m.getTotalEpochs()) + "d/%d [",
                m.getEpoch(), m.getTotalEpochs()));
        b.append("#".repeat(filled)).append("-".repeat(BAR_WIDTH - filled));
        b.append(String.format(Locale.ROOT, "] %3.0f%%  ETA %s  loss %.4f", done * 100, duration(m.getEtaMs()),
                m.getTrainLoss()));
        if (m.getTrainAccuracy() != null) {
            b.append(String.format(Locale.ROOT, "  acc %.4f", m.getTrainAccuracy()));
        }
        if (m.getValidationLoss() != null) {
            b.append(String.format(Locale.ROOT, "  val loss %.4f", m.getValidationLoss()));
        }
        if (m.getValidationAccuracy() != null) {
            b.append(String.format(Locale.ROOT, "  val acc %.4f", m.getValidationAccuracy()));
        }
        if (m.getTestLoss() != null) {
            b.append(String.format(Locale.ROOT, "  test loss %.4f", m.getTestLoss()));
        }
        if (m.getTestAccuracy() != null) {
            b.append(String.format(Locale.ROOT, "  test acc %.4f", m.getTestAccuracy()));
        }
        if (m.getSkippedSteps() > 0) {
            b.append("  (").append(m.getSkippedSteps()).append(" non-finite batches skipped)");
        }
        if (m.getAttempt() > 1) {
            b.append("  (attempt ").append(m.getAttempt()).append(')');
        }
        return b.toString();
    }

    private static int digits(int n) {
        return String.valueOf(Math.max(n, 1)).length();
    }

    static String duration(long ms) {
        long s = Math.max(0, ms) / 1000;
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }
}
