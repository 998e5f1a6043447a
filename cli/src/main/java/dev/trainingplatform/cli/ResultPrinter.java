package dev.trainingplatform.cli;

import dev.trainingplatform.contract.ClassMetrics;
import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.EvaluationResult;
import dev.trainingplatform.contract.JobStatus;
import java.util.List;
import java.util.Locale;

/** Human-readable lines for the contract's events. */
final class ResultPrinter {

    private ResultPrinter() {}

    static String status(JobStatus s) {
        String line = String.format(Locale.ROOT, "[status] %s %s", s.getJobId(), s.getState());
        if (s.getErrorCode() != null) {
            line += " " + s.getErrorCode() + ": " + s.getMessage();
        } else if (s.getState() == dev.trainingplatform.contract.JobState.SUCCEEDED && s.getMessage() != null) {
            line += ": " + s.getMessage(); // stopped early, and why
        }
        return line;
    }

    static String epoch(EpochMetrics m) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "[epoch %d/%d] loss %.4f", m.getEpoch(),
                m.getTotalEpochs(), m.getTrainLoss()));
        if (m.getTrainAccuracy() != null) {
            b.append(String.format(Locale.ROOT, "  accuracy %.4f", m.getTrainAccuracy()));
        }
        if (m.getTestLoss() != null) {
            b.append(String.format(Locale.ROOT, "  test loss %.4f", m.getTestLoss()));
        }
        if (m.getTestAccuracy() != null) {
            b.append(String.format(Locale.ROOT, "  test accuracy %.4f", m.getTestAccuracy()));
        }
        if (m.getValidationLoss() != null) {
            b.append(String.format(Locale.ROOT, "  val loss %.4f", m.getValidationLoss()));
        }
        if (m.getValidationAccuracy() != null) {
            b.append(String.format(Locale.ROOT, "  val accuracy %.4f", m.getValidationAccuracy()));
        }
        if (m.getBest()) {
            b.append("  (best)");
        }
        b.append(String.format(Locale.ROOT, "  %.1f s  %.0f samples/s  ETA %.0f s", m.getEpochDurationMs() / 1000.0,
                m.getSamplesPerSecond(), m.getEtaMs() / 1000.0));
        if (m.getStopReason() != null) {
            b.append(System.lineSeparator()).append("  ").append(m.getStopReason());
        }
        return b.toString();
    }

    static String evaluation(EvaluationResult r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "[evaluation] %s (epoch %d)%n", r.getCheckpointId(), r.getEpoch()));
        if (r.getError() != null) {
            return b.append("  could not evaluate: ").append(r.getError().getCode()).append(": ")
                    .append(r.getError().getMessage()).toString();
        }
        b.append(String.format(Locale.ROOT, "  test samples  %d%n", r.getNumSamples()));
        if (r.getTestLoss() != null) {
            b.append(String.format(Locale.ROOT, "  test loss     %.4f%n", r.getTestLoss()));
        }
        if (r.getTestAccuracy() != null) {
            b.append(String.format(Locale.ROOT, "  test accuracy %.4f%n", r.getTestAccuracy()));
        }
        if (r.getRegression() != null) {
            b.append(String.format(Locale.ROOT, "  MSE %.5f  MAE %.5f  R2 %.4f%n", r.getRegression().getMse(),
                    r.getRegression().getMae(), r.getRegression().getR2()));
        }
        if (!r.getConfusionMatrix().isEmpty()) {
            b.append("  confusion matrix (rows: actual, columns: predicted)\n");
            b.append(confusionMatrix(r.getClassNames(), r.getConfusionMatrix()));
            b.append("  per class\n");
            b.append(String.format(Locale.ROOT, "  %-12s %9s %9s %9s %8s%n", "", "precision", "recall", "f1", "support"));
            for (ClassMetrics c : r.getPerClass()) {
                b.append(String.format(Locale.ROOT, "  %-12s %9.3f %9.3f %9.3f %8d%n", c.getClassName(), c.getPrecision(),
                        c.getRecall(), c.getF1(), c.getSupport()));
            }
        }
        for (var e : r.getExamples()) {
            String text = e.getInput().length() > 160 ? "..." + e.getInput().substring(e.getInput().length() - 157) : e.getInput();
            b.append(String.format(Locale.ROOT, "  predicted %-10s actual %-10s %s%n", e.getPredicted(), e.getActual(), text));
        }
        return b.toString();
    }

    static String confusionMatrix(List<String> names, List<List<Long>> matrix) {
        int width = 5;
        for (List<Long> row : matrix) {
            for (Long v : row) {
                width = Math.max(width, String.valueOf(v).length() + 1);
            }
        }
        int label = names.stream().mapToInt(String::length).max().orElse(5) + 2;
        StringBuilder b = new StringBuilder(" ".repeat(label + 2));
        for (int j = 0; j < names.size(); j++) {
            b.append(String.format(Locale.ROOT, "%" + width + "s", abbreviate(names.get(j), width - 1)));
        }
        b.append('\n');
        for (int i = 0; i < matrix.size(); i++) {
            b.append(String.format(Locale.ROOT, "  %-" + label + "s", names.get(i)));
            for (Long v : matrix.get(i)) {
                b.append(String.format(Locale.ROOT, "%" + width + "d", v));
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
