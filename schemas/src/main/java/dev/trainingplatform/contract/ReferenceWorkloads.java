package dev.trainingplatform.contract;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The five reference workloads (the published tutorials the platform is measured against) as jobs,
 * with their tutorials' hyperparameters, in one place for the CLI's presets, the demo and the
 * benchmarks. Each names a model preset of the same name family (ml-core's {@code Presets}).
 *
 * @param name         the workload's name (fashion-mnist, forda, regression, cifar10, imdb)
 * @param preset       the model preset
 * @param dataset      the data set's name
 * @param learningRate Adam's learning rate in the tutorial
 * @param batchSize    the tutorial's batch size
 * @param epochs       the tutorial's epochs
 */
public record ReferenceWorkloads(String name, String preset, String dataset, double learningRate, int batchSize,
                                 int epochs) {

    public static final List<ReferenceWorkloads> ALL = List.of(
            new ReferenceWorkloads("fashion-mnist", "fashion-mnist-mlp", "fashion-mnist", 1e-3, 32, 5),
            new ReferenceWorkloads("forda", "forda-cnn", "forda", 5e-4, 128, 300),
            new ReferenceWorkloads("regression", "regression-mlp", "synthetic-regression", 1e-3, 400, 4000),
            new ReferenceWorkloads("cifar10", "cifar10-cnn", "cifar10", 1e-4, 128, 100),
            new ReferenceWorkloads("imdb", "imdb-transformer", "imdb", 1e-4, 128, 10));

    private static final Map<String, ReferenceWorkloads> BY_NAME = Map.of(
            "fashion-mnist", ALL.get(0), "forda", ALL.get(1), "regression", ALL.get(2), "cifar10", ALL.get(3),
            "imdb", ALL.get(4));

    /** The workload by its name or its preset's name; null when there is none. */
    public static ReferenceWorkloads named(String name) {
        ReferenceWorkloads w = BY_NAME.get(name);
        if (w != null) {
            return w;
        }
        return ALL.stream().filter(x -> x.preset().equals(name)).findFirst().orElse(null);
    }

    public static List<String> names() {
        return ALL.stream().map(ReferenceWorkloads::name).toList();
    }

    /** The tutorial's job, as a builder for overrides, with test metrics every epoch. */
    public TrainingJob.Builder job(String jobId) {
        TrainingJob.Builder job = TrainingJob.newBuilder().setJobId(jobId).setSeed(42).setTestEveryEpoch(true)
                .setSubmittedAt(Instant.now())
                .setModel(ModelSpec.newBuilder().setPreset(preset).build())
                .setDataset(DatasetSpec.newBuilder().setName(dataset).build())
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(learningRate).build())
                .setBatchSize(batchSize).setEpochs(epochs);
        switch (name) {
            case "forda" -> job.setDropLastBatch(true).setEvaluationBatchSize(256);
            case "regression" -> job.setLoss(LossType.MSE).setEvaluationBatchSize(400);
            // An evaluation every 10 epochs: a long run leaves results even if cut short.
            case "cifar10" -> job.setDropLastBatch(true).setEvaluationBatchSize(500)
                    .setCheckpoint(CheckpointPolicy.newBuilder().setEveryEpochs(10).build());
            case "imdb" -> job.setEvaluationBatchSize(500);
            default -> { }
        }
        return job;
    }
}
