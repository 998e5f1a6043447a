package dev.trainingplatform.trainer;

import dev.trainingplatform.contract.AvroCodec;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.contract.ResumePoint;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.UndecodableRecordException;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.checkpoint.BlobStore;
import dev.trainingplatform.ml.checkpoint.Sha256;
import dev.trainingplatform.ml.checkpoint.TrainingState;
import dev.trainingplatform.ml.train.admission.TrainingPlan;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.Record;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
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
            file = files().write(bytes);
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
        try {
            if (point.getState() != null) {
                ByteBuffer inline = point.getState().duplicate();
                bytes = new byte[inline.remaining()];
                inline.get(bytes);
                BlobStore.verified(bytes, point.getStateSha256(), "its inline state");
            } else if (point.getStateUri() != null) {
                files.put(jobId, files().fileOf(point.getStateUri()));
                bytes = files().read(point.getStateUri(), point.getStateSha256(), Long.MAX_VALUE);
            } else {
                throw invalid(point, "it holds no state");
            }
        } catch (JobRejectedException e) {
            throw e.getMessage().startsWith("the resume point after") ? e : invalid(point, e.getMessage());
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

    /** Resume point files: in the checkpoint directory's resume folder, read from nowhere else. */
    private BlobStore files() {
        return new BlobStore("resume directory", Path.of(config.checkpoint().directory()).resolve("resume"), ".state",
                List.of());
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
