package dev.trainingplatform.cli;

import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.EvaluationResult;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.TrainingJob;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", description = "Train the Fashion-MNIST MLP through the platform, show it live, check the accuracy, plot it.")
final class DemoCommand extends KafkaCommand {

    @Option(names = "--epochs", defaultValue = "5")
    int epochs;

    @Option(names = "--min-accuracy", defaultValue = "0", description = "fail below this test accuracy")
    double minAccuracy;

    @Option(names = "--timeout-minutes", defaultValue = "30")
    long timeoutMinutes;

    @Option(names = "--plots", paramLabel = "DIR", defaultValue = "plots", description = "where the PNG plots go (default: ${DEFAULT-VALUE})")
    Path plots;

    @Override
    public Integer call() throws Exception {
        KafkaSettings kafka = kafkaOptions.connect();
        PrintWriter out = out();
        // Workload 3 with the tutorial's hyperparameters: Adam 1e-3, batch 32, sparse cross-entropy.
        TrainingJob job = Workloads.job("fashion-mnist", null);
        job.setEpochs(epochs);
        List<EpochMetrics> history = new ArrayList<>();
        EvaluationResult[] evaluation = {null};
        ProgressDisplay display = new ProgressDisplay(out, System.console() != null);
        JobStatus last;
        try (JobWatcher watcher = JobWatcher.fromNow(kafka.props(), job.getJobId())) {
            SubmitCommand.send(kafka, job);
            out.println("submitted " + job.getJobId() + " (fashion-mnist-mlp, " + epochs
                    + " epochs, Adam 1e-3, batch 32) to " + Topics.JOBS);
            last = watcher.follow(Duration.ofMinutes(timeoutMinutes), new JobWatcher.Listener() {
                @Override
                public void status(JobStatus status) {
                    display.status(status);
                }

                @Override
                public void epoch(EpochMetrics metrics) {
                    history.add(metrics);
                    display.epoch(metrics);
                }

                @Override
                public void evaluation(EvaluationResult result) {
                    display.evaluation(result);
                    if (result.getFinalCheckpoint()) {
                        evaluation[0] = result;
                    }
                }
            });
        }
        if (last != null && last.getState() != JobState.SUCCEEDED) {
            throw new CliException(CliException.JOB_FAILED, failure(last));
        }
        if (last == null || evaluation[0] == null || evaluation[0].getTestAccuracy() == null) {
            throw new CliException(CliException.JOB_FAILED, "the job did not finish with an evaluation within "
                    + timeoutMinutes + " minutes" + (last == null ? "" : "; last status " + last.getState()));
        }
        for (Path file : Plots.write(job.getJobId(), history, evaluation[0], plots)) {
            out.println("plot: " + file);
        }
        double accuracy = evaluation[0].getTestAccuracy();
        if (accuracy < minAccuracy) {
            throw new CliException(CliException.JOB_FAILED, String.format(Locale.ROOT,
                    "test accuracy %.4f is below the expected %.4f", accuracy, minAccuracy));
        }
        return 0;
    }

    /** Why the demo's job ended without succeeding, with what to do when the data is missing. */
    static String failure(JobStatus last) {
        String why = "the job ended " + last.getState()
                + (last.getErrorCode() == null ? "" : " " + last.getErrorCode())
                + (last.getMessage() == null ? "" : ": " + last.getMessage());
        if (last.getErrorCode() == dev.trainingplatform.contract.ErrorCode.DATA_NOT_FOUND) {
            why += "\nFashion-MNIST is not available to the services: install Debian's package "
                    + "(apt-get install dataset-fashion-mnist) or set FASHION_MNIST_LOCATION to a directory holding its "
                    + "four IDX files, then run the demo again";
        }
        return why;
    }
}
