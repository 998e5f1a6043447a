package dev.trainingplatform.ml.train.admission;

import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.data.LoadedDataset;
import dev.trainingplatform.ml.data.Split;
import dev.trainingplatform.ml.eval.ModelOutput;
import dev.trainingplatform.ml.model.ModelFactory;
import dev.trainingplatform.ml.model.Presets;

/**
 * A job checked against its data: the model expanded from its preset, built and shape-checked
 * against the data's samples, and its output checked against the loss. {@code data}'s training split
 * is what is trained on: without the job's validation split, which is {@code validation} (null when
 * the job holds none out).
 */
public record TrainingPlan(TrainingJob job, ModelSpec model, LoadedDataset data, ModelFactory.BuiltModel built,
                           Split validation) {

    public static TrainingPlan of(TrainingJob job, LoadedDataset data, JobLimits limits) {
        return of(job, Presets.resolve(job.getModel()), data, limits);
    }

    /**
     * @param model the layer list to train, already expanded (a resumed job's is the one its state was
     *              saved for)
     */
    public static TrainingPlan of(TrainingJob job, ModelSpec model, LoadedDataset loaded, JobLimits limits) {
        ValidationHoldout.Parts parts = ValidationHoldout.carve(loaded.train(), job.getValidation());
        LoadedDataset data = parts.validation() == null ? loaded : new LoadedDataset(loaded.name(), parts.train(),
                loaded.test(), loaded.classNames(), loaded.testSampleText());
        ModelFactory.BuiltModel built = ModelFactory.build(model.getLayers(), data.train().sampleShape(),
                limits.maxLayers(), limits.maxParameters());
        ModelOutput.check(job.getLoss(), built, data);
        checkTokenIds(model, loaded);
        if (built.parameterCount() > limits.maxParameters()) {
            throw new JobRejectedException(ErrorCode.LIMIT_EXCEEDED, "the model has " + built.parameterCount()
                    + " parameters, more than this service's limit of " + limits.maxParameters());
        }
        long checkpointBytes = built.parameterCount() * Float.BYTES;
        if (checkpointBytes > limits.maxCheckpointBytes()) {
            throw new JobRejectedException(ErrorCode.LIMIT_EXCEEDED, "the model's checkpoints would take "
                    + mib(checkpointBytes) + ", more than this service's limit of " + mib(limits.maxCheckpointBytes()));
        }
        long dataBytes = ((long) data.train().features().length + data.test().features().length) * Float.BYTES;
        if (dataBytes > limits.maxDatasetBytes()) {
            throw new JobRejectedException(ErrorCode.LIMIT_EXCEEDED, "data set '" + data.name() + "' takes " + mib(dataBytes)
                    + " in memory, more than this service's limit of " + mib(limits.maxDatasetBytes())
                    + "; use maxTrainSamples / maxTestSamples to train on part of it");
        }
        return new TrainingPlan(job, model, data, built, parts.validation());
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    /** Token ids must index into the model's embedding table. */
    static void checkTokenIds(ModelSpec model, LoadedDataset data) {
        var first = model.getLayers().get(0);
        if (!first.getType().equals("tokenAndPositionEmbedding")) {
            return;
        }
        long vocabulary = ((Number) first.getArgs().get("vocabularySize")).longValue();
        float max = 0;
        for (Split split : java.util.List.of(data.train(), data.test())) {
            for (float id : split.features()) {
                max = Math.max(max, id);
            }
        }
        if (max >= vocabulary) {
            throw new JobRejectedException(ErrorCode.INVALID_MODEL, "the data holds token id " + (long) max
                    + " but the embedding has vocabularySize " + vocabulary + "; give the data set the same vocabularySize");
        }
    }
}
