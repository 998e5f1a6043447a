package dev.trainingplatform.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainingplatform.contract.OptimizerType;
import dev.trainingplatform.contract.TrainingJob;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchmarkCommandTest {

    private static TrainingJob jobFor(String... args) {
        BenchmarkCommand command = new BenchmarkCommand();
        new CommandLine(command).parseArgs(args);
        return command.job();
    }

    @Test
    void theTutorialJobKeepsItsSeedUnlessOneIsGiven() {
        TrainingJob tutorial = jobFor("--workload", "cifar10");
        TrainingJob reseeded = jobFor("--workload", "cifar10", "--seed", "7", "--epochs", "3");

        assertThat(tutorial.getSeed()).isEqualTo(42L);
        assertThat(reseeded.getSeed()).isEqualTo(7L);
        assertThat(reseeded.getEpochs()).isEqualTo(3);
        assertThat(reseeded.getModel()).isEqualTo(tutorial.getModel());
        assertThat(reseeded.getOptimizer()).isEqualTo(tutorial.getOptimizer());
    }

    @Test
    void theOptimizerOverrideReachesTheJob() {
        assertThat(jobFor("--workload", "regression", "--optimizer", "sgd").getOptimizer().getType())
                .isEqualTo(OptimizerType.SGD);
    }
}
