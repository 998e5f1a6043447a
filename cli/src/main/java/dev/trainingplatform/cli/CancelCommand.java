package dev.trainingplatform.cli;

import dev.trainingplatform.contract.CancelRequest;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.Topics;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "cancel", description = "Cancel a job: a running job stops within one batch, a queued one never starts.")
final class CancelCommand extends KafkaCommand {

    @Parameters(paramLabel = "JOB")
    String jobId;

    @Option(names = "--reason")
    String reason;

    @Option(names = "--wait", description = "wait until the trainer reports the job CANCELLED (or it ended otherwise)")
    boolean waitForIt;

    @Option(names = "--timeout-minutes", defaultValue = "10", description = "with --wait (default: ${DEFAULT-VALUE})")
    long timeoutMinutes;

    @Override
    public Integer call() throws Exception {
        KafkaSettings kafka = kafkaOptions.connect();
        PrintWriter out = out();
        try (JobWatcher watcher = JobWatcher.replayed(kafka, jobId, new JobWatcher.Listener() { })) {
            JobStatus last = watcher.lastStatus();
            if (last != null && last.getState() != JobState.QUEUED && last.getState() != JobState.RUNNING) {
                out.println("job " + jobId + " has already ended: " + last.getState());
                return 0;
            }
            kafka.send(Topics.CANCELLATIONS, jobId, CancelRequest.newBuilder().setJobId(jobId).setReason(reason).setRequestedAt(Instant.now()).build());
            out.println("cancel requested for " + jobId);
            if (!waitForIt) {
                return 0;
            }
            last = watcher.followToEnd(Duration.ofMinutes(timeoutMinutes), new JobWatcher.Listener() {
                @Override
                public void status(JobStatus s) {
                    out.println(ResultPrinter.status(s));
                    out.flush();
                }
            });
            if (last == null || last.getState() == JobState.QUEUED || last.getState() == JobState.RUNNING) {
                throw new CliException(CliException.JOB_FAILED, "job " + jobId + " was not cancelled within "
                        + timeoutMinutes + " minutes");
            }
            return last.getState() == JobState.CANCELLED ? 0 : CliException.JOB_FAILED;
        }
    }

}
