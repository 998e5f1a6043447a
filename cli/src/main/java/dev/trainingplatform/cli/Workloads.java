package dev.trainingplatform.cli;

import dev.trainingplatform.contract.OptimizerSpec;
import dev.trainingplatform.contract.OptimizerType;
import dev.trainingplatform.contract.ReferenceWorkloads;
import dev.trainingplatform.contract.TrainingJob;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** The five reference workloads as jobs (defined once, in the contract's {@link ReferenceWorkloads}). */
final class Workloads {

    static final List<String> NAMES = ReferenceWorkloads.names();

    private Workloads() {}

    /**
     * @param name      a workload's name or its model preset's
     * @param optimizer for the regression workload: adam, sgd or gd (the tutorial compares all three)
     */
    static TrainingJob job(String name, String optimizer) {
        ReferenceWorkloads workload = ReferenceWorkloads.named(name);
        if (workload == null) {
            throw new CliException(CliException.INVALID_INPUT, "unknown workload '" + name
                    + "'; workloads: " + String.join(", ", NAMES));
        }
        TrainingJob.Builder job = workload.job(workload.name() + "-" + Instant.now().toEpochMilli());
        if (workload.name().equals("regression")) {
            job.setOptimizer(OptimizerSpec.newBuilder().setType(optimizerType(optimizer))
                    .setLearningRate(workload.learningRate()).build());
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
}
