package dev.trainingplatform.ml.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.trainingplatform.ml.DjlRuntime;
import dev.trainingplatform.ml.data.Split;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EpochBatchesTest {

    /** Samples 0..n-1 whose two features are (i, -i) and whose label is i. */
    private static List<float[]> epoch(int n, int batchSize, boolean dropLast, int chunkBatches, int epoch, int stopAfter) {
        DjlRuntime.engine();
        List<float[]> batches = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] x = new float[n * 2];
            float[] y = new float[n];
            for (int i = 0; i < n; i++) {
                x[2 * i] = i;
                x[2 * i + 1] = -i;
                y[i] = i;
            }
            EpochBatches epochs = new EpochBatches(new Split(x, new Shape(2), y), batchSize, dropLast, 42, chunkBatches);
            epochs.forEach(epoch, manager, (data, labels) -> {
                NDArray features = data.singletonOrThrow();
                float[] f = features.toFloatArray();
                float[] l = labels.singletonOrThrow().toFloatArray();
                assertThat(features.getShape().get(1)).isEqualTo(2);
                for (int i = 0; i < l.length; i++) {
                    assertThat(f[2 * i]).isEqualTo(l[i]);
                    assertThat(f[2 * i + 1]).isEqualTo(-l[i]);
                }
                batches.add(l);
                return batches.size() < stopAfter;
            });
        }
        return batches;
    }

    private static List<Float> flat(List<float[]> batches) {
        List<Float> all = new ArrayList<>();
        batches.forEach(b -> {
            for (float v : b) {
                all.add(v);
            }
        });
        return all;
    }

    @Test
    void everySampleOnceInTheEpochsOrderWhateverTheChunkSize() {
        List<float[]> oneChunk = epoch(103, 10, false, 64, 3, Integer.MAX_VALUE);
        List<float[]> smallChunks = epoch(103, 10, false, 2, 3, Integer.MAX_VALUE);
        assertThat(oneChunk).extracting(b -> b.length).containsExactly(10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3);
        assertThat(flat(smallChunks)).isEqualTo(flat(oneChunk));
        assertThat(flat(oneChunk)).containsExactlyInAnyOrderElementsOf(
                java.util.stream.IntStream.range(0, 103).mapToObj(i -> (float) i).toList());
        int[] order = EpochBatches.permutation(103, 42, 3);
        assertThat(flat(oneChunk).get(0)).isEqualTo((float) order[0]);
    }

    @Test
    void anotherEpochHasAnotherOrderAndTheSameEpochTheSame() {
        assertThat(flat(epoch(50, 8, false, 3, 1, Integer.MAX_VALUE))).isEqualTo(flat(epoch(50, 8, false, 3, 1, Integer.MAX_VALUE)));
        assertThat(flat(epoch(50, 8, false, 3, 2, Integer.MAX_VALUE))).isNotEqualTo(flat(epoch(50, 8, false, 3, 1, Integer.MAX_VALUE)));
    }

    @Test
    void dropLastLeavesOutThePartialBatch() {
        List<float[]> batches = epoch(103, 10, true, 4, 1, Integer.MAX_VALUE);
        assertThat(batches).hasSize(10).allSatisfy(b -> assertThat(b).hasSize(10));
    }

    @Test
    void aStepCanStopTheEpoch() {
        assertThat(epoch(103, 10, false, 4, 1, 3)).hasSize(3);
    }

    @Test
    void anEpochStoppedWhileTheNextChunkWasGatheredLeavesTheNextEpochWhole() {
        DjlRuntime.engine();
        float[] x = new float[200];
        float[] y = new float[100];
        for (int i = 0; i < 100; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = -i;
            y[i] = i;
        }
        List<Float> again = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            EpochBatches epochs = new EpochBatches(new Split(x, new Shape(2), y), 5, false, 42, 2);
            int[] seen = {0};
            // stops in the first chunk, with the second one's gather under way
            assertThat(epochs.forEach(1, manager, (data, labels) -> ++seen[0] < 1)).isFalse();
            assertThat(epochs.forEach(1, manager, (data, labels) -> {
                float[] f = data.singletonOrThrow().toFloatArray();
                for (float label : labels.singletonOrThrow().toFloatArray()) {
                    again.add(label);
                }
                assertThat(f[0]).isEqualTo(again.get(again.size() - f.length / 2));
                return true;
            })).isTrue();
        }
        assertThat(again).isEqualTo(flat(epoch(100, 5, false, 64, 1, Integer.MAX_VALUE)));
    }
}
