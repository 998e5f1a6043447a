package dev.trainingplatform.cli;

import dev.trainingplatform.contract.CancelRequest;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.SweepResult;
import dev.trainingplatform.contract.SweepState;
import dev.trainingplatform.contract.SweepTrial;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.ml.sweep.SweepRanking;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "cancel", description = "Cancel a job: a running job stops within one batch, a queued one never starts. "
        + "With --sweep, every trial of a sweep not ended yet.")
final class CancelCommand extends KafkaCommand {

    @Parameters(paramLabel = "JOB", arity = "0..1")
    String jobId;

    @Option(names = "--sweep", paramLabel = "SWEEP", description = "cancel the sweep's trials; with --wait, wait for its result")
    String sweepId;

    @Option(names = "--reason")
    String reason;

    @Option(names = "--wait", description = "wait until the trainer reports the job CANCELLED (or it ended otherwise)")
    boolean waitForIt;

    @Option(names = "--timeout-minutes", defaultValue = "10", description = "with --wait (default: ${DEFAULT-VALUE})")
    long timeoutMinutes;

    @Override
    public Integer call() throws Exception {
        if ((jobId == null) == (sweepId == null)) {
            throw new CliException(CliException.INVALID_INPUT, "give a JOB or --sweep SWEEP");
        }
        KafkaSettings kafka = kafkaOptions.connect();
        PrintWriter out = out();
        if (sweepId != null) {
            return cancelSweep(kafka, out);
        }
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


    /** Cancel = cancel each trial that has not ended; the sweep's result follows when the last one ends. */
    private int cancelSweep(KafkaSettings kafka, PrintWriter out) throws Exception {
        SweepResult view;
        try (SweepProgress progress = new SweepProgress(kafka, sweepId)) {
            SweepResult latest = progress.latestResult().orElseThrow(() -> new CliException(CliException.NOT_FOUND,
                    "sweep '" + sweepId + "' has no trials yet (not expanded, or no such sweep)"));
            if (latest.getState() != SweepState.RUNNING) {
                out.println("sweep " + sweepId + " has already ended: " + latest.getState());
                return 0;
            }
            view = progress.now(latest);
        }
        int sent = 0;
        for (SweepTrial t : view.getTrials()) {
            if (t.getState() == null || !SweepRanking.ended(t.getState())) {
                kafka.send(Topics.CANCELLATIONS, t.getJobId(), CancelRequest.newBuilder().setJobId(t.getJobId())
                        .setReason(reason == null ? "sweep " + sweepId + " cancelled" : reason)
                        .setRequestedAt(Instant.now()).build());
                sent++;
            }
        }
        out.println("cancel requested for " + sent + " of " + view.getTrials().size() + " trials of sweep " + sweepId);
        out.flush();
        if (!waitForIt) {
            return 0;
        }
        SweepResult last = SweepCommand.follow(kafka, sweepId, Duration.ofSeconds(2), Duration.ofMinutes(timeoutMinutes), out);
        // CANCELLED is what was asked for; SUCCEEDED where some trials had ended with a value before.
        return last.getState() == SweepState.FAILED ? CliException.JOB_FAILED : 0;
    }
}
