package dev.trainingplatform.cli;

import dev.trainingplatform.contract.SweepRequest;
import dev.trainingplatform.contract.SweepResult;
import dev.trainingplatform.contract.SweepState;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.sweep.SweepPlan;
import dev.trainingplatform.ml.train.admission.JobLimits;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "sweep", description = "Submit a hyperparameter sweep (a SweepRequest as YAML or JSON): its trials run "
        + "as jobs on any trainer, and a ranking follows when the last one ends.")
final class SweepCommand extends KafkaCommand {

    @Option(names = "--file", paramLabel = "FILE", required = true,
            description = "a SweepRequest as YAML or JSON (see schemas/src/main/avro/SweepRequest.avsc)")
    Path file;

    @Option(names = "--watch", description = "then show the trials as they run, until the ranking")
    boolean watch;

    @Option(names = "--every-seconds", defaultValue = "5", description = "with --watch: how often the table is redrawn "
            + "when it changed (default: ${DEFAULT-VALUE})")
    long everySeconds;

    @Option(names = "--timeout-minutes", defaultValue = "600", description = "with --watch (default: ${DEFAULT-VALUE})")
    long timeoutMinutes;

    @Option(names = "--dry-run", description = "print the trials the sweep expands into instead of sending it")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        SweepRequest request = JobFile.readSweep(file);
        List<SweepPlan.Trial> trials;
        try {
            // The trainer checks again with its own limits; this catches a mistake before it is sent.
            trials = SweepPlan.expand(request, JobLimits.defaults());
        } catch (JobRejectedException e) {
            throw new CliException(CliException.INVALID_INPUT, file + ": " + e.getMessage());
        }
        PrintWriter out = out();
        if (dryRun) {
            trials.forEach(t -> out.println(t.jobId() + " " + t.hyperparameters()));
            return 0;
        }
        KafkaSettings kafka = kafkaOptions.connect();
        kafka.send(Topics.SWEEPS, request.getSweepId(), request);
        out.println("sweep " + request.getSweepId() + " submitted: " + trials.size() + " trials, ranked by "
                + request.getMetric());
        out.flush();
        if (!watch) {
            return 0;
        }
        SweepResult last = follow(kafka, request.getSweepId(), Duration.ofSeconds(everySeconds),
                Duration.ofMinutes(timeoutMinutes), out);
        return last.getState() == SweepState.SUCCEEDED ? 0 : CliException.JOB_FAILED;
    }

    /** Redraws the sweep's table when it changed, until it has ended; returns its final result. */
    static SweepResult follow(KafkaSettings kafka, String sweepId, Duration every, Duration timeout, PrintWriter out)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String shown = "";
        try (SweepProgress progress = new SweepProgress(kafka, sweepId)) {
            while (System.nanoTime() < deadline) {
                Optional<SweepResult> latest = progress.latestResult();
                if (latest.isPresent()) {
                    SweepResult view = latest.get().getState() == SweepState.RUNNING
                            ? progress.now(latest.get()) : latest.get();
                    String table = SweepProgress.table(view);
                    if (!table.equals(shown)) {
                        out.print(table);
                        out.println();
                        out.flush();
                        shown = table;
                    }
                    if (latest.get().getState() != SweepState.RUNNING) {
                        return latest.get();
                    }
                }
                Thread.sleep(every.toMillis());
            }
        }
        throw new CliException(CliException.JOB_FAILED, "sweep " + sweepId + " was not ranked within "
                + timeout.toMinutes() + " minutes");
    }
}
