package dev.trainingplatform.cli;

import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.SweepResult;
import dev.trainingplatform.contract.SweepState;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "watch", description = "Show a job's progress from its start, live, until it ends and is evaluated; "
        + "or, with --sweep, a sweep's trials until its ranking.")
final class WatchCommand extends KafkaCommand {

    @Parameters(paramLabel = "JOB", arity = "0..1")
    String jobId;

    @Option(names = "--sweep", paramLabel = "SWEEP", description = "the sweep's table of trials, redrawn when it changed")
    String sweepId;

    @Option(names = "--every-seconds", defaultValue = "5", description = "with --sweep (default: ${DEFAULT-VALUE})")
    long everySeconds;

    @Option(names = "--timeout-minutes", defaultValue = "600", description = "give up after this long (default: ${DEFAULT-VALUE})")
    long timeoutMinutes;

    @Override
    public Integer call() throws InterruptedException {
        if ((jobId == null) == (sweepId == null)) {
            throw new CliException(CliException.INVALID_INPUT, "give a JOB or --sweep SWEEP");
        }
        KafkaSettings kafka = kafkaOptions.connect();
        PrintWriter out = out();
        if (sweepId != null) {
            SweepResult last = SweepCommand.follow(kafka, sweepId, Duration.ofSeconds(everySeconds),
                    Duration.ofMinutes(timeoutMinutes), out);
            return last.getState() == SweepState.SUCCEEDED ? 0 : CliException.JOB_FAILED;
        }
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
