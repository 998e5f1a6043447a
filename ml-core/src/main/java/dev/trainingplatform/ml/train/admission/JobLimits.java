package dev.trainingplatform.ml.train.admission;

/**
 * Per-job ceilings a service enforces, so one absurd job cannot take the machine down.
 *
 * @param maxCheckpointBytes largest parameter set (float32) a job may checkpoint
 * @param maxDatasetBytes    largest data set (train and test features, float32 in memory) a job may load
 * @param maxLayers          longest layer list: 100 000 ReLUs passed every check and then crashed the
 *                           trainer's process in the engine, on every redelivery
 */
public record JobLimits(int maxEpochs, int maxBatchSize, long maxParameters, long maxCheckpointBytes,
                        long maxDatasetBytes, int maxLayers) {

    public static final int DEFAULT_MAX_LAYERS = 256;

    public JobLimits(int maxEpochs, int maxBatchSize, long maxParameters, long maxCheckpointBytes, long maxDatasetBytes) {
        this(maxEpochs, maxBatchSize, maxParameters, maxCheckpointBytes, maxDatasetBytes, DEFAULT_MAX_LAYERS);
    }

    public static JobLimits defaults() {
        return new JobLimits(10_000, 65_536, 50_000_000L, 200L << 20, 4L << 30, DEFAULT_MAX_LAYERS);
    }
}
