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
}
