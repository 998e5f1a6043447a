package dev.trainingplatform.cli;

import ai.djl.ndarray.types.Shape;
import dev.trainingplatform.contract.Checkpoint;
import dev.trainingplatform.contract.EvaluationResult;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.checkpoint.BlobStore;
import dev.trainingplatform.ml.data.ImdbReviews;
import dev.trainingplatform.ml.data.ImdbVocabulary;
import dev.trainingplatform.ml.eval.CheckpointEvaluation;
import dev.trainingplatform.ml.export.ModelExport;
import dev.trainingplatform.ml.train.admission.JobLimits;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * A job's checkpoint as a model a user can take away: read from training.checkpoints, its parameters
 * checked against their SHA-256 (inline, or the file its URI names), rebuilt with every check the
 * evaluator makes, and exported as TorchScript (ModelExport). What {@code export} writes and
 * {@code predict} runs.
 */
record JobModel(Checkpoint checkpoint, JobHistory history, ModelExport.Exported exported, List<String> classNames,
                ImdbVocabulary vocabulary) {

    /** Where to find what a checkpoint does not carry itself. */
    record Sources(Path checkpointDirectory, Path wordIndex, Shape inputShape) {}

    static JobModel of(KafkaSettings kafka, String jobId, JobCheckpoints.Choice choice, Sources sources) {
        JobHistory history = JobHistory.read(kafka, jobId);
        Checkpoint c = JobCheckpoints.read(kafka, history, choice);
        Shape inputShape = inputShape(c, sources.inputShape());
        JobLimits limits = JobLimits.defaults();
        byte[] parameters = parameters(c, sources.checkpointDirectory(), limits.maxParameters());
        try {
            ModelExport.Exported exported = ModelExport.of(new CheckpointEvaluation.Claim(c.getModel().getLayers(),
                    c.getLoss(), c.getParameterCount(), parameters), inputShape, limits.maxLayers(), limits.maxParameters());
            return new JobModel(c, history, exported, classNames(c, history), vocabulary(c, sources.wordIndex()));
        } catch (JobRejectedException e) {
            throw new CliException(CliException.INVALID_INPUT, "checkpoint " + c.getCheckpointId() + ": " + e.getMessage());
        }
    }

    /** The evaluation of this checkpoint, if the evaluator has published one. */
    EvaluationResult evaluation() {
        EvaluationResult found = null;
        for (EvaluationResult r : history.evaluations()) {
            if (r.getCheckpointId().equals(checkpoint.getCheckpointId()) && r.getError() == null) {
                found = r;
            }
        }
        return found;
    }

    private static Shape inputShape(Checkpoint c, Shape given) {
        if (given != null) {
            return checked(given, "--input-shape");
        }
        if (c.getInputShape().isEmpty()) {
            throw new CliException(CliException.INVALID_INPUT, "checkpoint " + c.getCheckpointId() + " was published "
                    + "by a trainer older than Checkpoint v2 and does not say its input shape: give it with "
                    + "--input-shape (fashion-mnist 28,28; cifar10 3,32,32; imdb 200; forda 1,500; "
                    + "synthetic-regression 1)");
        }
        return checked(new Shape(c.getInputShape().stream().mapToLong(Long::longValue).toArray()),
                "checkpoint " + c.getCheckpointId() + "'s inputShape");
    }

    /** The most values one sample may have: a model is built for it (and probed with zeros) before anything else. */
    static final long MAX_SAMPLE_VALUES = 1L << 24;

    /**
     * A sample shape from outside (a checkpoint record, --input-shape), refused before a model is built
     * for it: 1 to 4 axes, each positive, at most {@link #MAX_SAMPLE_VALUES} values in all.
     */
    static Shape checked(Shape shape, String what) {
        long values = 1;
        boolean ok = shape.dimension() >= 1 && shape.dimension() <= 4;
        for (long d : shape.getShape()) {
            ok &= d >= 1 && d <= MAX_SAMPLE_VALUES;
            values = ok ? values * d : values;
            ok &= values <= MAX_SAMPLE_VALUES;
        }
        if (!ok) {
            throw new CliException(CliException.INVALID_INPUT, what + " " + shape + " is not a sample shape: 1 to 4 "
                    + "positive sizes of at most " + MAX_SAMPLE_VALUES + " values in all");
        }
        return shape;
    }

    private static byte[] parameters(Checkpoint c, Path directory, long maxParameters) {
        try {
            if (c.getParameters() != null) {
                ByteBuffer inline = c.getParameters().duplicate();
                byte[] bytes = new byte[inline.remaining()];
                inline.get(bytes);
                return BlobStore.verified(bytes, c.getParametersSha256(), "checkpoint " + c.getCheckpointId());
            }
            if (c.getParametersUri() == null) {
                throw new CliException(CliException.INVALID_INPUT, "checkpoint " + c.getCheckpointId()
                        + " has neither inline parameters nor a URI");
            }
            // The trainer's file, or the file of that name in --checkpoint-dir (the same directory mounted elsewhere).
            Path file = fileOf(c.getParametersUri());
            Path dir = directory != null ? directory : file.getParent();
            String uri = dir.resolve(file.getFileName()).toUri().toString();
            return new BlobStore("checkpoint directory", dir, ".params", List.of()).read(uri, c.getParametersSha256(),
                    maxParameters * Float.BYTES + (1 << 20));
        } catch (JobRejectedException e) {
            throw new CliException(CliException.INVALID_INPUT, e.getMessage()
                    + (c.getParametersUri() != null && directory == null
                    ? " (where the checkpoint directory is mounted elsewhere here, give it with --checkpoint-dir)" : ""));
        }
    }

    private static Path fileOf(String uri) {
        try {
            URI u = URI.create(uri);
            if (!"file".equals(u.getScheme())) {
                throw new IllegalArgumentException("only file: URIs are supported");
            }
            return Path.of(u);
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.INVALID_INPUT, "the checkpoint's parameter URI '" + uri + "': "
                    + e.getMessage());
        }
    }

    private static List<String> classNames(Checkpoint c, JobHistory history) {
        if (!c.getClassNames().isEmpty()) {
            return List.copyOf(c.getClassNames());
        }
        for (EvaluationResult r : history.evaluations()) {
            if (!r.getClassNames().isEmpty()) {
                return List.copyOf(r.getClassNames());
            }
        }
        return List.of();
    }

    /** An IMDB job's vocabulary, from its word index: --word-index, else where the job read it from. */
    private static ImdbVocabulary vocabulary(Checkpoint c, Path wordIndex) {
        if (!ImdbReviews.NAME.equals(c.getDataset().getName())) {
            return null;
        }
        Path file = wordIndex != null ? wordIndex : ImdbVocabulary.wordIndexOf(c.getDataset()).orElseThrow(() ->
                new CliException(CliException.INVALID_INPUT, "job " + c.getJobId() + " turned text into token ids "
                        + "with Keras' imdb_word_index.json, which is not where the job read it from ("
                        + c.getDataset().getLocation() + "): give it with --word-index FILE"));
        try {
            return ImdbVocabulary.of(c.getDataset(), file);
        } catch (JobRejectedException e) {
            throw new CliException(CliException.INVALID_INPUT, e.getMessage());
        }
    }
}
