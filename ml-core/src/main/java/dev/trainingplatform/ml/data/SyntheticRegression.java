package dev.trainingplatform.ml.data;

import ai.djl.ndarray.types.Shape;
import dev.trainingplatform.contract.DatasetSpec;
import java.util.List;
import java.util.Random;

/**
 * Workload 4's data, generated: {@code samples} points evenly spaced on [0, xMax],
 * y = sqrt(x) + sin(x) + noise * N(0, 1). The training set is the first draw of noise from a
 * generator seeded with {@code seed}, the validation (test) set the next draw from the same generator,
 * on the same x. Options: samples (400), noise (0.2), seed (1234), xMax (5).
 */
public final class SyntheticRegression implements DatasetLoader {

    public static final String NAME = "synthetic-regression";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public LoadedDataset load(DatasetSpec spec, DataFiles files) {
        int samples = DatasetOptions.integer(spec, "samples", 400, 2, 10_000_000);
        double noise = DatasetOptions.number(spec, "noise", 0.2, 0, 1e6);
        long seed = DatasetOptions.integer(spec, "seed", 1234, Integer.MIN_VALUE, Integer.MAX_VALUE);
        double xMax = DatasetOptions.number(spec, "xMax", 5, 1e-9, 1e9);
        float[] x = new float[samples];
        for (int i = 0; i < samples; i++) {
            x[i] = (float) (xMax * i / (samples - 1));
        }
        Random random = new Random(seed);
        Split train = new Split(x, new Shape(1), draw(x, noise, random)).head(spec.getMaxTrainSamples());
        Split validation = new Split(x.clone(), new Shape(1), draw(x, noise, random)).head(spec.getMaxTestSamples());
        return new LoadedDataset(NAME, train, validation, List.of());
    }

    /** The noise-free target, for plotting the fit against the truth. */
    public static double truth(double x) {
        return Math.sqrt(x) + Math.sin(x);
    }

    private static float[] draw(float[] x, double noise, Random random) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) (truth(x[i]) + noise * random.nextGaussian());
        }
        return y;
    }

}
