package dev.trainingplatform.ml.train;

/** Per-job ceilings a service enforces, so one absurd job cannot take the machine down. */
public record JobLimits(int maxEpochs, int maxBatchSize, long maxParameters) {

    public static JobLimits defaults() {
        return new JobLimits(10_000, 65_536, 50_000_000L);
    }
}
