package dev.trainingplatform.cli;

import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.EvaluationResult;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.TrainingJob;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "benchmark", description = "Run one workload through the platform and record its history and evaluations in a JSON file.")
final class BenchmarkCommand extends KafkaCommand {

    @Option(names = "--workload", required = true, description = "fashion-mnist, forda, regression, cifar10 or imdb")
    String workload;

    @Option(names = "--optimizer", description = "adam, sgd or gd")
    String optimizer;

    @Option(names = "--epochs")
    Integer epochs;

    @Option(names = "--seed", description = "the job's seed (initial weights, batch order, augmentation); default 42")
    Long seed;

    @Option(names = "--out", paramLabel = "FILE", description = "default: results/<jobId>.json")
    Path out;

    @Option(names = "--print-every", defaultValue = "1")
    int printEvery;

    @Option(names = "--timeout-minutes", defaultValue = "600")
    long timeoutMinutes;

    @Override
    public Integer call() throws Exception {
        KafkaSettings kafka = kafkaOptions.connect();
        PrintWriter console = out();
        TrainingJob job = job();
        Path file = out != null ? out : Path.of("results", job.getJobId() + ".json");
        List<EpochMetrics> history = new ArrayList<>();
        List<EvaluationResult> evaluations = new ArrayList<>();
        JobStatus last;
        try (JobWatcher watcher = JobWatcher.fromNow(kafka.props(), job.getJobId())) {
            SubmitCommand.send(kafka, job);
            console.println("submitted " + job.getJobId());
            console.flush();
            last = watcher.follow(Duration.ofMinutes(timeoutMinutes), new JobWatcher.Listener() {
                @Override
                public void status(JobStatus status) {
                    console.println(ResultPrinter.status(status));
                    console.flush();
                }

                @Override
                public void epoch(EpochMetrics metrics) {
                    history.add(metrics);
                    save(file, job, history, evaluations);
                    if (metrics.getEpoch() % printEvery == 0 || metrics.getEpoch() == metrics.getTotalEpochs()) {
                        console.println(ResultPrinter.epoch(metrics));
                        console.flush();
                    }
                }

                @Override
                public void evaluation(EvaluationResult result) {
                    evaluations.add(result);
                    save(file, job, history, evaluations);
                    console.print(ResultPrinter.evaluation(result));
                    console.flush();
                }
            });
        }
        ResultsFile.write(file, job, history, evaluations);
        console.println("results written to " + file);
        return last != null && last.getState() == JobState.SUCCEEDED ? 0 : CliException.JOB_FAILED;
    }

    /** The workload's tutorial job with this command's overrides, checked against the contract. */
    TrainingJob job() {
        TrainingJob job = Workloads.job(workload, optimizer);
        if (epochs != null) {
            job.setEpochs(epochs);
        }
        if (seed != null) {
            job.setSeed(seed);
        }
        SubmitCommand.check(job);
        return job;
    }

    /** Written after every event, so a long run cut short still leaves its history. */
    private void save(Path file, TrainingJob job, List<EpochMetrics> history, List<EvaluationResult> evaluations) {
        try {
            ResultsFile.write(file, job, history, evaluations);
        } catch (java.io.IOException e) {
            spec.commandLine().getErr().println("cannot write " + file + ": " + e.getMessage());
        }
    }
}
