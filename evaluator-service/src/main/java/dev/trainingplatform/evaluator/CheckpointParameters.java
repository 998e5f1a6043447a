package dev.trainingplatform.evaluator;

import dev.trainingplatform.contract.Checkpoint;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.data.Sha256;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/** A checkpoint's parameter bytes, inline or from the shared directory, used only if the SHA-256 matches. */
@ApplicationScoped
public class CheckpointParameters {

    @Inject
    EvaluatorConfig config;

    public byte[] verifiedBytes(Checkpoint checkpoint) {
        byte[] bytes = checkpoint.getParameters() != null ? copy(checkpoint.getParameters())
                : read(checkpoint.getParametersUri());
        String actual = Sha256.of(bytes);
        if (!actual.equalsIgnoreCase(checkpoint.getParametersSha256())) {
            throw new JobRejectedException(ErrorCode.CHECKPOINT_INVALID, "checkpoint " + checkpoint.getCheckpointId()
                    + ": parameters have SHA-256 " + actual + " but the checkpoint says "
                    + checkpoint.getParametersSha256() + "; refusing to use them");
        }
        return bytes;
    }

    private byte[] read(String uri) {
        if (uri == null) {
            throw new JobRejectedException(ErrorCode.CHECKPOINT_INVALID, "checkpoint has neither inline parameters nor a URI");
        }
        Path file;
        try {
            URI u = URI.create(uri);
            if (!"file".equals(u.getScheme())) {
                throw new IllegalArgumentException("only file: URIs are supported");
            }
            file = Path.of(u).toAbsolutePath().normalize();
        } catch (IllegalArgumentException e) {
            throw new JobRejectedException(ErrorCode.CHECKPOINT_INVALID, "bad parametersUri '" + uri + "': " + e.getMessage());
        }
        boolean allowed = config.checkpointDirectories().stream()
                .map(d -> Path.of(d).toAbsolutePath().normalize())
                .anyMatch(file::startsWith);
        if (!allowed) {
            throw new JobRejectedException(ErrorCode.CHECKPOINT_INVALID, "parametersUri " + file
                    + " is outside the checkpoint directories " + config.checkpointDirectories());
        }
        try {
            long size = Files.size(file);
            long most = config.limits().maxParameters() * Float.BYTES + (1 << 20);
            if (size > most) {
                throw new JobRejectedException(ErrorCode.LIMIT_EXCEEDED, "parameter file " + file + " has " + size
                        + " bytes, more than a model of this service's limit of " + config.limits().maxParameters()
                        + " parameters takes (" + most + ")");
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new JobRejectedException(ErrorCode.CHECKPOINT_INVALID, "cannot read " + file + ": " + e.getMessage());
        }
    }

    private static byte[] copy(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
