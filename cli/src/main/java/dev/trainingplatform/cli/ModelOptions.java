package dev.trainingplatform.cli;

import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Which job and checkpoint export and predict take, and where to find what the checkpoint does not carry. */
final class ModelOptions {

    @Parameters(paramLabel = "JOB")
    String jobId;

    @ArgGroup(exclusive = true)
    Which which = new Which();

    static final class Which {
        @Option(names = "--checkpoint", paramLabel = "ID",
                description = "this checkpoint (default: the final one of the latest attempt)")
        String checkpointId;

        @Option(names = "--best", description = "the checkpoint of the epoch with the lowest validation loss")
        boolean best;
    }

    @Option(names = "--checkpoint-dir", paramLabel = "DIR",
            description = "where the trainers' checkpoint directory is mounted here (default: the path the checkpoint names)")
    Path checkpointDirectory;

    @Option(names = "--word-index", paramLabel = "FILE",
            description = "an IMDB job's imdb_word_index.json (default: where the job read it from)")
    Path wordIndex;

    @Option(names = "--input-shape", paramLabel = "D,D,...", split = ",",
            description = "one sample's shape, for a checkpoint from a trainer older than Checkpoint v2")
    long[] inputShape;

    JobModel load(KafkaSettings kafka) {
        if (inputShape != null) {
            for (long d : inputShape) {
                if (d < 1) {
                    throw new CliException(CliException.INVALID_INPUT, "--input-shape needs positive sizes");
                }
            }
        }
        return JobModel.of(kafka, jobId, new JobCheckpoints.Choice(which.checkpointId, which.best),
                new JobModel.Sources(checkpointDirectory, wordIndex, inputShape == null ? null : new Shape(inputShape)));
    }
}
