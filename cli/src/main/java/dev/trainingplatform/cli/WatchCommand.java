package dev.trainingplatform.cli;

import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "watch", description = "Show a job's progress from its start, live, until it ends and is evaluated.")
final class WatchCommand extends KafkaCommand {

    @Parameters(paramLabel = "JOB")
    String jobId;

    @Option(names = "--timeout-minutes", defaultValue = "600", description = "give up after this long (default: ${DEFAULT-VALUE})")
    long timeoutMinutes;

    @Override
    public Integer call() {
        KafkaSettings kafka = kafkaOptions.connect();
        PrintWriter out = out();
        ProgressDisplay display = new ProgressDisplay(out, System.console() != null);
        try (JobWatcher watcher = JobWatcher.replayed(kafka, jobId, display)) {
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
