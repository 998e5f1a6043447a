package dev.trainingplatform.ml.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RandomImageAugmentationTest {

    private static float[] forward(RandomImageAugmentation block, NDManager m, float[] data, boolean training) {
        NDArray x = m.create(data, new Shape(8, 3, 4, 5));
        return block.forward(new ParameterStore(m, false), new NDList(x), training).singletonOrThrow().toFloatArray();
    }

    private static float[] ramp() {
        float[] data = new float[8 * 3 * 4 * 5];
        for (int i = 0; i < data.length; i++) {
            data[i] = i;
        }
        return data;
    }

    @Test
    void flipMirrorsSomeImagesAndLeavesTheOthersAndNothingChangesAtInference() {
        Engine.getInstance().setRandomSeed(1);
        try (NDManager m = NDManager.newBaseManager()) {
            float[] in = ramp();
            float[] out = forward(RandomImageAugmentation.horizontalFlip(), m, in, true);
            int mirrored = 0;
            for (int i = 0; i < 8; i++) {
                float[] a = Arrays.copyOfRange(in, i * 60, i * 60 + 60);
                float[] b = Arrays.copyOfRange(out, i * 60, i * 60 + 60);
                if (!Arrays.equals(a, b)) {
                    mirrored++;
                    // Row 0 of channel 0 read backwards.
                    assertThat(b[0]).isEqualTo(a[4]);
                    assertThat(b[4]).isEqualTo(a[0]);
                }
            }
            assertThat(mirrored).isBetween(1, 7);
            assertThat(forward(RandomImageAugmentation.horizontalFlip(), m, in, false)).containsExactly(in);
        }
    }

    @Test
    void resizedCropKeepsTheShapeAndStaysWithinTheImagesValues() {
        Engine.getInstance().setRandomSeed(2);
        try (NDManager m = NDManager.newBaseManager()) {
            float[] in = ramp();
            float[] out = forward(RandomImageAugmentation.resizedCrop(0.5, 0.8, 0.9, 1.1), m, in, true);
            assertThat(out).hasSize(in.length);
            assertThat(out).isNotEqualTo(in);
            for (int i = 0; i < 8 * 3; i++) {
                float lo = i * 20;
                float hi = i * 20 + 19;
                for (int p = 0; p < 20; p++) {
                    assertThat(out[i * 20 + p]).isBetween(lo, hi);
                }
            }
            assertThat(forward(RandomImageAugmentation.resizedCrop(0.5, 0.8, 0.9, 1.1), m, in, false)).containsExactly(in);
        }
    }
}
