package dev.trainingplatform.ml.eval;

import dev.trainingplatform.contract.ClassMetrics;
import java.util.ArrayList;
import java.util.List;

/** Per-class precision, recall and F1 from a confusion matrix (rows actual, columns predicted). */
public final class ClassificationReport {

    private ClassificationReport() {}

    public static List<ClassMetrics> perClass(long[][] confusion, List<String> classNames) {
        List<ClassMetrics> out = new ArrayList<>();
        for (int c = 0; c < confusion.length; c++) {
            long tp = confusion[c][c];
            long actual = 0;
            long predicted = 0;
            for (int j = 0; j < confusion.length; j++) {
                actual += confusion[c][j];
                predicted += confusion[j][c];
            }
            double precision = predicted == 0 ? 0 : (double) tp / predicted;
            double recall = actual == 0 ? 0 : (double) tp / actual;
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            out.add(ClassMetrics.newBuilder().setClassName(classNames.get(c)).setPrecision(precision)
                    .setRecall(recall).setF1(f1).setSupport(actual).build());
        }
        return out;
    }
}
