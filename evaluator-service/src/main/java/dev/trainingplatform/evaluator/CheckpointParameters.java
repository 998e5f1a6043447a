package dev.trainingplatform.evaluator;

import dev.trainingplatform.contract.Checkpoint;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.checkpoint.BlobStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/** A checkpoint's parameter bytes, inline or from the shared directory, used only if the SHA-256 matches. */
@ApplicationScoped
public class CheckpointParameters {

    @Inject
    EvaluatorConfig config;

    public byte[] verifiedBytes(Checkpoint checkpoint) {
        String what = "checkpoint " + checkpoint.getCheckpointId() + " parameters";
        if (checkpoint.getParameters() != null) {
            return BlobStore.verified(copy(checkpoint.getParameters()), checkpoint.getParametersSha256(), what);
        }
        if (checkpoint.getParametersUri() == null) {
            throw new JobRejectedException(ErrorCode.CHECKPOINT_INVALID, "checkpoint has neither inline parameters nor a URI");
        }
        // A parameter file holds 4 bytes a parameter plus DJL's names and shapes: never more is read.
        long most = config.limits().maxParameters() * Float.BYTES + (1 << 20);
        return files().read(checkpoint.getParametersUri(), checkpoint.getParametersSha256(), most);
    }

    /** The trainers' parameter files: read only from the configured checkpoint directories. */
    private BlobStore files() {
        List<Path> dirs = config.checkpointDirectories().stream().map(Path::of).toList();
        return new BlobStore("checkpoint directories", dirs.get(0), ".params", dirs);
    }

    private static byte[] copy(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
