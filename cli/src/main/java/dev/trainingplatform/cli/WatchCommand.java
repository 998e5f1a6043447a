package dev.trainingplatform.cli;

import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "watch", description = "Show a job's progress from its start, live, until it ends and is evaluated.")
final class WatchCommand implements Callable<Integer> {

    @Parameters(paramLabel = "JOB")
    String jobId;

    @Option(names = "--timeout-minutes", defaultValue = "600", description = "give up after this long (default: ${DEFAULT-VALUE})")
    long timeoutMinutes;

    @Mixin
    KafkaOptions kafkaOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        KafkaSettings kafka = kafkaOptions.connect();
        PrintWriter out = spec.commandLine().getOut();
        ProgressDisplay display = new ProgressDisplay(out, System.console() != null);
        try (JobWatcher watcher = JobWatcher.fromBeginning(kafka.props(), jobId)) {
            if (!watcher.catchUp(Duration.ofMinutes(2), display)) {
                throw new CliException(CliException.KAFKA_UNAVAILABLE, "could not read job '" + jobId + "' from "
                        + kafka.bootstrapServers() + " within 2 minutes");
            }
            if (!watcher.known()) {
                throw JobHistory.unknown(jobId);
            }
            JobStatus last = watcher.follow(Duration.ofMinutes(timeoutMinutes), display);
            return exitCode(last, watcher.finished());
        }
    }

    /** 0: succeeded and evaluated; 1: failed or cancelled; otherwise the wait ran out. */
    static int exitCode(JobStatus last, boolean finished) {
        if (!finished) {
            throw new CliException(CliException.JOB_FAILED, "gave up waiting; the job is "
                    + (last == null ? "not started" : last.getState()));
        }
        return last.getState() == JobState.SUCCEEDED ? 0 : CliException.JOB_FAILED;
    }
}
