package dev.trainingplatform.cli;

import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.LossType;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.contract.OptimizerSpec;
import dev.trainingplatform.contract.OptimizerType;
import dev.trainingplatform.contract.TrainingJob;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** The five reference workloads as jobs, with their tutorials' hyperparameters. */
final class Workloads {

    static final List<String> NAMES = List.of("fashion-mnist", "forda", "regression", "cifar10", "imdb");

    private Workloads() {}

    /**
     * @param optimizer for the regression workload: adam, sgd or gd (the tutorial compares all three)
     */
    static TrainingJob job(String name, String optimizer) {
        // The model presets' names lead to their workloads too.
        String workload = switch (name) {
            case "fashion-mnist-mlp" -> "fashion-mnist";
            case "forda-cnn" -> "forda";
            case "regression-mlp" -> "regression";
            case "cifar10-cnn" -> "cifar10";
            case "imdb-transformer" -> "imdb";
            default -> name;
        };
        String id = workload + "-" + Instant.now().toEpochMilli();
        TrainingJob.Builder job = TrainingJob.newBuilder().setJobId(id).setSeed(42).setTestEveryEpoch(true)
                .setSubmittedAt(Instant.now());
        switch (workload) {
            case "fashion-mnist" -> job
                    .setModel(preset("fashion-mnist-mlp"))
                    .setDataset(DatasetSpec.newBuilder().setName("fashion-mnist").build())
                    .setOptimizer(adam(1e-3))
                    .setBatchSize(32).setEpochs(5);
            case "forda" -> job
                    .setModel(preset("forda-cnn"))
                    .setDataset(DatasetSpec.newBuilder().setName("forda").build())
                    .setOptimizer(adam(5e-4))
                    .setBatchSize(128).setDropLastBatch(true).setEvaluationBatchSize(256).setEpochs(300);
            case "regression" -> job
                    .setModel(preset("regression-mlp"))
                    .setDataset(DatasetSpec.newBuilder().setName("synthetic-regression").build())
                    .setOptimizer(OptimizerSpec.newBuilder().setType(optimizerType(optimizer)).setLearningRate(1e-3).build())
                    .setLoss(LossType.MSE)
                    .setBatchSize(400).setEvaluationBatchSize(400).setEpochs(4000);
            case "cifar10" -> job
                    .setModel(preset("cifar10-cnn"))
                    .setDataset(DatasetSpec.newBuilder().setName("cifar10").build())
                    .setOptimizer(adam(1e-4))
                    .setBatchSize(128).setDropLastBatch(true).setEvaluationBatchSize(500).setEpochs(100)
                    // An evaluation every 10 epochs: a long run leaves results even if cut short.
                    .setCheckpoint(dev.trainingplatform.contract.CheckpointPolicy.newBuilder().setEveryEpochs(10).build());
            case "imdb" -> job
                    .setModel(preset("imdb-transformer"))
                    .setDataset(DatasetSpec.newBuilder().setName("imdb").build())
                    .setOptimizer(adam(1e-4))
                    .setBatchSize(128).setEvaluationBatchSize(500).setEpochs(10);
            default -> throw new CliException(CliException.INVALID_INPUT, "unknown workload '" + workload
                    + "'; workloads: " + String.join(", ", NAMES));
        }
        return job.build();
    }

    static OptimizerType optimizerType(String name) {
        return switch (name == null ? "adam" : name.toLowerCase(Locale.ROOT)) {
            case "adam" -> OptimizerType.ADAM;
            case "sgd" -> OptimizerType.SGD;
            case "gd" -> OptimizerType.GRADIENT_DESCENT;
            default -> throw new CliException(CliException.INVALID_INPUT, "optimizer must be adam, sgd or gd, got '" + name + "'");
        };
    }

    private static ModelSpec preset(String name) {
        return ModelSpec.newBuilder().setPreset(name).build();
    }

    private static OptimizerSpec adam(double lr) {
        return OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(lr).build();
    }
}
