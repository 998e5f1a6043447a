package dev.trainingplatform.ml.checkpoint;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.ml.JobRejectedException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * Parameters as bytes: DJL's own parameter stream (Block.saveParameters), not Java serialization.
 * The block must be built from the same layer list on both sides.
 */
public final class ModelParameters {

    private ModelParameters() {}

    public static byte[] save(Block block) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            block.saveParameters(out);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialize parameters", e);
        }
        return bytes.toByteArray();
    }

    public static void load(Block block, byte[] parameters, NDManager manager) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(parameters))) {
            block.loadParameters(manager, in);
            if (in.read() != -1) {
                throw new JobRejectedException(ErrorCode.CHECKPOINT_INVALID, "checkpoint parameters have trailing bytes: "
                        + "they were written for a different model");
            }
        } catch (IOException | MalformedModelException | RuntimeException e) {
            if (e instanceof JobRejectedException j) {
                throw j;
            }
            throw new JobRejectedException(ErrorCode.CHECKPOINT_INVALID,
                    "checkpoint parameters do not fit the model built from its layer list ("
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")", e);
        }
    }
}
