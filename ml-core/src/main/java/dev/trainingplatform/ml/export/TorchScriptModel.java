package dev.trainingplatform.ml.export;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.trainingplatform.ml.DjlRuntime;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * An exported model file loaded by DJL as any TorchScript file is ({@code PtSymbolBlock}), and run on
 * batches: what a Java user of the file does, and how {@code platform-cli predict} runs a job's model.
 */
public final class TorchScriptModel implements AutoCloseable {

    private final NDManager manager;
    private final PtSymbolBlock module;

    public TorchScriptModel(byte[] torchScript) {
        DjlRuntime.engine();
        manager = NDManager.newBaseManager();
        try {
            module = JniUtils.loadModule((PtNDManager) manager, new ByteArrayInputStream(torchScript), true, false);
        } catch (IOException e) {
            manager.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * @param samples {@code count} samples of {@code sample}'s shape, row-major
     * @return the model's outputs, one row per sample
     */
    public float[][] run(float[] samples, Shape sample, int count) {
        int perSample = Math.toIntExact(sample.size());
        if ((long) perSample * count != samples.length) {
            throw new IllegalArgumentException(samples.length + " values are not " + count + " samples of " + sample);
        }
        try (NDManager batch = manager.newSubManager()) {
            NDArray x = batch.create(samples, new Shape(count).addAll(sample));
            NDArray out = module.forward(new ParameterStore(batch, false), new NDList(x), false).singletonOrThrow();
            out.attach(batch);
            int width = Math.toIntExact(out.size() / count);
            float[] flat = out.toFloatArray();
            float[][] rows = new float[count][width];
            for (int i = 0; i < count; i++) {
                System.arraycopy(flat, i * width, rows[i], 0, width);
            }
            return rows;
        }
    }

    @Override
    public void close() {
        module.close();
        manager.close();
    }
}
