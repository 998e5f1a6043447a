package dev.trainingplatform.bench;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.Shape;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.ml.model.Presets;
import org.junit.jupiter.api.Test;

/** The multiply-adds of a training step, counted by hand for two presets. */
class ModelFlopsTest {

    private static ModelFlops.Count of(String preset, Shape sample) {
        return ModelFlops.of(Presets.resolve(ModelSpec.newBuilder().setPreset(preset).build()).getLayers(), sample);
    }

    @Test
    void theFashionMnistMlp() {
        ModelFlops.Count c = of("fashion-mnist-mlp", new Shape(28, 28));
        // 784 x 128 + 128 x 10 forward; the first layer's input needs no gradient.
        assertThat(c.forwardMacs()).isEqualTo(784 * 128 + 128 * 10);
        assertThat(c.trainingMacs()).isEqualTo(2L * 784 * 128 + 3L * 128 * 10);
        assertThat(c.trainingFlops()).isEqualTo(2 * c.trainingMacs());
    }

    @Test
    void theCifar10Cnn() {
        ModelFlops.Count c = of("cifar10-cnn", new Shape(3, 32, 32));
        long conv1 = 32L * 32 * 32 * 3 * 9;   // 32 x 32 positions, 32 filters, 3 channels, 3 x 3
        long conv2 = 16L * 16 * 64 * 32 * 9;  // after the first pooling
        long dense1 = 8L * 8 * 64 * 256;      // after the second
        long dense2 = 256L * 10;
        assertThat(c.forwardMacs()).isEqualTo(conv1 + conv2 + dense1 + dense2);
        assertThat(c.trainingMacs()).isEqualTo(2 * conv1 + 3 * (conv2 + dense1 + dense2));
    }

    @Test
    void theImdbTransformersAttentionCounts() {
        ModelFlops.Count c = of("imdb-transformer", new Shape(200));
        long t = 200;
        long d = 32;
        long weighted = 3 * t * d * 2 * d + t * 2 * d * d + 2 * t * d * 32 + 32L * 20 + 20L * 2;
        long attention = 2 * 2 * t * t * d;
        assertThat(c.forwardMacs()).isEqualTo(weighted + attention);
        // After the embedding (which has weights) every layer's input needs a gradient.
        assertThat(c.trainingMacs()).isEqualTo(3 * weighted + 3 * attention);
    }
}
