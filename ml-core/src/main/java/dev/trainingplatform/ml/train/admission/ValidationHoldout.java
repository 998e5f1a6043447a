package dev.trainingplatform.ml.train.admission;

import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.ValidationSplit;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.data.Split;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A job's validation split, carved from its training split: a seeded shuffle of the sample indices,
 * the first {@code count} (or {@code fraction} of them, rounded) held out, the rest trained on, each
 * part in its original order. The same seed gives the same split on every run and every resume.
 */
public final class ValidationHoldout {

    private ValidationHoldout() {}

    /** The two parts: {@code train} to train on and {@code validation} to measure on. */
    public record Parts(Split train, Split validation) {}

    /** Refuses an inconsistent request, naming the field, before any data is read. */
    public static void check(ValidationSplit spec) {
        if (spec == null) {
            return;
        }
        boolean byFraction = spec.getFraction() != 0.0;
        boolean byCount = spec.getCount() != 0;
        if (byFraction == byCount) {
            throw invalid("validation: give either fraction (in (0, 1)) or count (a number of samples), not "
                    + (byFraction ? "both" : "neither"));
        }
        if (byFraction && !(spec.getFraction() > 0 && spec.getFraction() < 1)) {
            throw invalid("validation.fraction must be in (0, 1), got " + spec.getFraction());
        }
        if (byCount && spec.getCount() < 1) {
            throw invalid("validation.count must be positive, got " + spec.getCount());
        }
    }

    public static Parts carve(Split train, ValidationSplit spec) {
        if (spec == null) {
            return new Parts(train, null);
        }
        check(spec);
        int n = train.size();
        int held = spec.getCount() != 0 ? spec.getCount() : (int) Math.round(spec.getFraction() * n);
        if (held < 1 || held >= n) {
            throw invalid("validation holds out " + held + " of the " + n + " training samples; it must leave at "
                    + "least one on each side");
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(spec.getSeed());
        for (int i = n - 1; i > 0; i--) { // Fisher-Yates
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int[] validation = Arrays.copyOf(order, held);
        int[] rest = Arrays.copyOfRange(order, held, n);
        Arrays.sort(validation);
        Arrays.sort(rest);
        return new Parts(rows(train, rest), rows(train, validation));
    }

    private static Split rows(Split from, int[] indices) {
        int width = (int) from.sampleShape().size();
        float[] features = new float[indices.length * width];
        float[] labels = new float[indices.length];
        for (int k = 0; k < indices.length; k++) {
            System.arraycopy(from.features(), indices[k] * width, features, k * width, width);
            labels[k] = from.labels()[indices[k]];
        }
        return new Split(features, from.sampleShape(), labels);
    }

    private static JobRejectedException invalid(String message) {
        return new JobRejectedException(ErrorCode.INVALID_HYPERPARAMETER, message);
    }
}
