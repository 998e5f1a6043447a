package dev.trainingplatform.ml.eval;

/** Mean squared and absolute error and the coefficient of determination of predictions. */
public record RegressionReport(double mse, double mae, double r2) {

    public static RegressionReport of(float[] actual, float[] predicted) {
        double mean = 0;
        for (float a : actual) {
            mean += a;
        }
        mean /= actual.length;
        double se = 0;
        double ae = 0;
        double total = 0;
        for (int i = 0; i < actual.length; i++) {
            double d = predicted[i] - actual[i];
            se += d * d;
            ae += Math.abs(d);
            total += (actual[i] - mean) * (actual[i] - mean);
        }
        return new RegressionReport(se / actual.length, ae / actual.length, total == 0 ? 0 : 1 - se / total);
    }
}
