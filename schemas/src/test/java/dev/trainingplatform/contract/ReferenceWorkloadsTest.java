package dev.trainingplatform.contract;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReferenceWorkloadsTest {

    @Test
    void theFiveWorkloadsAreFoundByNameOrPresetWithTheirTutorialsHyperparameters() {
        assertThat(ReferenceWorkloads.names()).containsExactly("fashion-mnist", "forda", "regression", "cifar10", "imdb");
        assertThat(ReferenceWorkloads.named("cifar10-cnn")).isSameAs(ReferenceWorkloads.named("cifar10"));
        assertThat(ReferenceWorkloads.named("resnet")).isNull();
        TrainingJob fashion = ReferenceWorkloads.named("fashion-mnist").job("j").build();
        assertThat(fashion.getModel().getPreset()).isEqualTo("fashion-mnist-mlp");
        assertThat(fashion.getOptimizer().getLearningRate()).isEqualTo(1e-3);
        assertThat(fashion.getBatchSize()).isEqualTo(32);
        assertThat(fashion.getEpochs()).isEqualTo(5);
        TrainingJob regression = ReferenceWorkloads.named("regression").job("r").build();
        assertThat(regression.getLoss()).isEqualTo(LossType.MSE);
        assertThat(regression.getDataset().getName()).isEqualTo("synthetic-regression");
        assertThat(ReferenceWorkloads.named("cifar10").job("c").build().getCheckpoint().getEveryEpochs()).isEqualTo(10);
    }
}
