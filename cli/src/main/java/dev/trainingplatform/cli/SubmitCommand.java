package dev.trainingplatform.cli;

import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.TrainingJob;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "submit", description = "Submit a job: a built-in workload with overrides, or a YAML/JSON job file.")
final class SubmitCommand extends KafkaCommand {

    static final class Source {
        @Option(names = "--preset", paramLabel = "WORKLOAD", required = true,
                description = "fashion-mnist, forda, regression, cifar10 or imdb (the model presets' names work too)")
        String preset;

        @Option(names = "--file", paramLabel = "FILE", required = true,
                description = "a TrainingJob as YAML or JSON (see schemas/src/main/avro/TrainingJob.avsc)")
        Path file;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--job-id", description = "default: <workload>-<millis>, or the file's jobId")
    String jobId;

    @Option(names = "--epochs")
    Integer epochs;

    @Option(names = "--batch-size")
    Integer batchSize;

    @Option(names = "--learning-rate")
    Double learningRate;

    @Option(names = "--optimizer", description = "adam, sgd or gd")
    String optimizer;

    @Option(names = "--seed")
    Long seed;

    @Option(names = "--data", paramLabel = "LOCATION", description = "the data set's location: a path or URL the trainer may read")
    String dataLocation;

    @Option(names = "--max-train-samples")
    Integer maxTrainSamples;

    @Option(names = "--max-test-samples")
    Integer maxTestSamples;

    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "free-form labels, repeatable")
    Map<String, String> labels = new HashMap<>();

    @Option(names = "--priority", paramLabel = "PRIORITY", description = "high, normal or low: the queue the job waits in "
            + "(default: the file's, else normal)")
    String priority;

    @Option(names = "--watch", description = "then follow it, as `watch` does")
    boolean watch;

    @Option(names = "--timeout-minutes", defaultValue = "600", description = "with --watch (default: ${DEFAULT-VALUE})")
    long timeoutMinutes;

    @Option(names = "--dry-run", description = "print the validated job as JSON instead of sending it")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        TrainingJob job = job();
        PrintWriter out = out();
        if (dryRun) {
            out.println(job);
            return 0;
        }
        KafkaSettings kafka = kafkaOptions.connect();
        if (!watch) {
            send(kafka, job);
            out.println(job.getJobId());
            return 0;
        }
        try (JobWatcher watcher = JobWatcher.fromNow(kafka.props(), job.getJobId())) {
            send(kafka, job);
            out.println("submitted " + job.getJobId());
            out.flush();
            JobStatus last = watcher.follow(Duration.ofMinutes(timeoutMinutes),
                    new ProgressDisplay(out, System.console() != null));
            return WatchCommand.exitCode(last, watcher.finished());
        }
    }

    TrainingJob job() {
        TrainingJob job = source.file != null ? JobFile.read(source.file) : Workloads.job(source.preset, optimizer);
        if (jobId != null) {
            job.setJobId(jobId);
        }
        if (epochs != null) {
            job.setEpochs(epochs);
        }
        if (batchSize != null) {
            job.setBatchSize(batchSize);
        }
        if (learningRate != null) {
            job.getOptimizer().setLearningRate(learningRate);
        }
        if (optimizer != null) {
            job.getOptimizer().setType(Workloads.optimizerType(optimizer));
        }
        if (seed != null) {
            job.setSeed(seed);
        }
        if (priority != null) {
            try {
                job.setPriority(dev.trainingplatform.contract.JobPriority.valueOf(priority.toUpperCase(java.util.Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw invalid("priority must be high, normal or low, got " + priority);
            }
        }
        DatasetSpec data = job.getDataset();
        if (dataLocation != null) {
            data.setLocation(dataLocation);
        }
        if (maxTrainSamples != null) {
            data.setMaxTrainSamples(maxTrainSamples);
        }
        if (maxTestSamples != null) {
            data.setMaxTestSamples(maxTestSamples);
        }
        if (!labels.isEmpty()) {
            Map<String, String> all = new HashMap<>(job.getLabels());
            all.putAll(labels);
            job.setLabels(all);
        }
        check(job);
        return job;
    }

    /** What is plainly wrong is said here; the trainer checks everything else and answers FAILED. */
    static void check(TrainingJob job) {
        if (job.getJobId().isBlank()) {
            throw invalid("jobId must not be blank");
        }
        if (job.getEpochs() < 1) {
            throw invalid("epochs must be at least 1, got " + job.getEpochs());
        }
        if (job.getBatchSize() < 1) {
            throw invalid("batchSize must be at least 1, got " + job.getBatchSize());
        }
        double lr = job.getOptimizer().getLearningRate();
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw invalid("learningRate must be a positive number, got " + lr);
        }
    }

    private static CliException invalid(String why) {
        return new CliException(CliException.INVALID_INPUT, "invalid job: " + why);
    }

    /** On the queue of the job's priority. */
    static void send(KafkaSettings kafka, TrainingJob job) throws Exception {
        kafka.send(Topics.jobsTopic(job.getPriority()), job.getJobId(), job);
    }
}
