package dev.trainingplatform.ml.data;

import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.ml.JobRejectedException;

/** Numeric data-set options from a job's {@code dataset.options}, range-checked with a clear error. */
final class DatasetOptions {

    private DatasetOptions() {}

    static double number(DatasetSpec spec, String name, double fallback, double min, double max) {
        String v = spec.getOptions().get(name);
        if (v == null) {
            return fallback;
        }
        try {
            double d = Double.parseDouble(v.trim());
            if (!(d >= min && d <= max)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new JobRejectedException(ErrorCode.INVALID_JOB, "data set option " + name + "='" + v
                    + "' must be a number in [" + format(min) + ", " + format(max) + "]");
        }
    }

    static int integer(DatasetSpec spec, String name, int fallback, int min, int max) {
        double d = number(spec, name, fallback, min, max);
        if (d != Math.rint(d)) {
            throw new JobRejectedException(ErrorCode.INVALID_JOB, "data set option " + name + " must be an integer");
        }
        return (int) d;
    }

    private static String format(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.valueOf(d);
    }
}
