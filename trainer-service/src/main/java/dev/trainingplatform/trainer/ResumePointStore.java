package dev.trainingplatform.trainer;

import dev.trainingplatform.contract.AvroCodec;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.contract.ResumePoint;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.UndecodableRecordException;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.data.Sha256;
import dev.trainingplatform.ml.train.TrainingPlan;
import dev.trainingplatform.ml.train.TrainingState;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.Record;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.jboss.logging.Logger;

/**
 * Resume points on the compacted training.resume-points topic, one per unfinished job: the
 * training state inline when it fits, else as a file in the shared checkpoint directory (named by
 * its SHA-256, checked before use). A job's point is replaced by a tombstone, and its file deleted,
 * when the job ends.
 */
@ApplicationScoped
public class ResumePointStore {

    private static final Logger LOG = Logger.getLogger(ResumePointStore.class);
    private static final AvroCodec<ResumePoint> CODEC = AvroCodec.of(ResumePoint.class);

    @Inject
    @Channel("resume-points")
    MutinyEmitter<Record<String, ResumePoint>> points;

    @Inject
    TrainerConfig config;

    @Inject
    LatestRecordLookup records;

    /** The file of each job's latest point, to delete when it is superseded or the job ends. */
    private final Map<String, Path> files = new ConcurrentHashMap<>();

    public void save(TrainingPlan plan, int attempt, TrainingState state) {
        String jobId = plan.job().getJobId();
        byte[] bytes = state.toBytes();
        String sha = Sha256.of(bytes);
        ResumePoint.Builder point = ResumePoint.newBuilder()
                .setJobId(jobId)
                .setAttempt(attempt)
                .setEpoch(state.epoch())
                .setParameterCount(plan.built().parameterCount())
                .setModel(plan.model())
                .setStateSha256(sha)
                .setTimestamp(Instant.now());
        Path file = null;
        if (bytes.length <= config.checkpoint().inlineMaxBytes()) {
            point.setState(ByteBuffer.wrap(bytes));
        } else {
            file = write(sha, bytes);
            point.setStateUri(file.toUri().toString());
        }
        points.sendAndAwait(Record.of(jobId, point.build()));
        Path superseded = file == null ? files.remove(jobId) : files.put(jobId, file);
        if (superseded != null && !superseded.equals(file)) {
            delete(superseded);
        }
    }

    /**
     * A saved training state and the expanded layer list it was saved for (null in none: points
     * written before the list was recorded).
     */
    public record SavedState(TrainingState state, ModelSpec model) {}

    /** The latest record of a job: a resume point, or why it could not be read. */
    private record Found(ResumePoint point, String undecodable) {}

    /**
     * The state an interrupted job goes on from, if it saved one.
     *
     * @throws JobRejectedException CHECKPOINT_INVALID when the point exists but cannot be used
     */
    public Optional<SavedState> latest(String jobId) {
        Optional<Found> found = records.latest(Topics.RESUME_POINTS, jobId, bytes -> {
            try {
                return Optional.of(new Found(CODEC.decode(bytes), null));
            } catch (UndecodableRecordException e) {
                // For example a point written by a trainer with another version of the schema: the
                // job starts again, and says why.
                return Optional.of(new Found(null, e.getMessage()));
            }
        });
        if (found.isEmpty()) {
            return Optional.empty();
        }
        if (found.get().undecodable() != null) {
            throw new JobRejectedException(ErrorCode.CHECKPOINT_INVALID, "its resume point cannot be read: "
                    + found.get().undecodable());
        }
        ResumePoint point = found.get().point();
        byte[] bytes;
        if (point.getState() != null) {
            ByteBuffer inline = point.getState().duplicate();
            bytes = new byte[inline.remaining()];
            inline.get(bytes);
        } else if (point.getStateUri() != null) {
            Path file = fileOf(point.getStateUri());
            files.put(jobId, file);
            try {
                bytes = Files.readAllBytes(file);
            } catch (IOException e) {
                throw invalid(point, "its file cannot be read (" + e + ")");
            }
        } else {
            throw invalid(point, "it holds no state");
        }
        if (!Sha256.of(bytes).equals(point.getStateSha256())) {
            throw invalid(point, "its SHA-256 does not match");
        }
        TrainingState state = TrainingState.fromBytes(bytes);
        if (state.epoch() != point.getEpoch()) {
            throw invalid(point, "it holds epoch " + state.epoch() + ", not " + point.getEpoch());
        }
        return Optional.of(new SavedState(state, point.getModel()));
    }

    /** The job has ended: its point is tombstoned and its file deleted. */
    public void discard(String jobId) {
        try {
            points.sendAndAwait(Record.of(jobId, null));
        } catch (RuntimeException e) {
            LOG.warnf(e, "job %s: could not tombstone its resume point", jobId);
        }
        Path file = files.remove(jobId);
        if (file != null) {
            delete(file);
        }
    }

    private Path directory() {
        return Path.of(config.checkpoint().directory()).resolve("resume").toAbsolutePath().normalize();
    }

    /** Only files in this service's own directory are read, whatever a record on the topic says. */
    private Path fileOf(String uri) {
        Path file;
        try {
            file = Path.of(URI.create(uri)).toAbsolutePath().normalize();
        } catch (RuntimeException e) {
            throw new JobRejectedException(ErrorCode.CHECKPOINT_INVALID, "resume point: '" + uri + "' is not a file URI");
        }
        if (file.getParent() == null || !file.getParent().equals(directory())) {
            throw new JobRejectedException(ErrorCode.CHECKPOINT_INVALID, "resume point: " + file
                    + " is outside the resume directory " + directory());
        }
        return file;
    }

    private Path write(String sha, byte[] bytes) {
        try {
            Path dir = Files.createDirectories(directory());
            Path file = dir.resolve(sha + ".state");
            Path tmp = Files.createTempFile(dir, sha, ".part");
            Files.write(tmp, bytes);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a resume point file", e);
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warnf("could not delete %s: %s", file, e);
        }
    }

    private static JobRejectedException invalid(ResumePoint point, String why) {
        return new JobRejectedException(ErrorCode.CHECKPOINT_INVALID, "the resume point after epoch " + point.getEpoch()
                + " (attempt " + point.getAttempt() + ") cannot be used: " + why);
    }
}
