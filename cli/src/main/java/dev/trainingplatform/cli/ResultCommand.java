package dev.trainingplatform.cli;

import dev.trainingplatform.contract.EvaluationResult;
import dev.trainingplatform.contract.SweepResult;
import dev.trainingplatform.contract.SweepState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "result", description = "Print a job's evaluation: loss, accuracy, confusion matrix, per-class precision/recall/F1; "
        + "or, with --sweep, a sweep's trials ranked.")
final class ResultCommand extends KafkaCommand {

    @Parameters(paramLabel = "JOB", arity = "0..1")
    String jobId;

    @Option(names = "--sweep", paramLabel = "SWEEP", description = "a sweep's trials with their best values, ranked once "
            + "all have ended (exit 3 while it still runs)")
    String sweepId;

    @Override
    public Integer call() {
        if ((jobId == null) == (sweepId == null)) {
            throw new CliException(CliException.INVALID_INPUT, "give a JOB or --sweep SWEEP");
        }
        if (sweepId != null) {
            return sweep();
        }
        JobHistory history = JobHistory.read(kafkaOptions.connect(), jobId);
        EvaluationResult result = history.latestEvaluation();
        if (result == null) {
            throw new CliException(CliException.NOT_FOUND, "job '" + jobId + "' has no evaluation yet (" + history.state() + ")");
        }
        out().print(ResultPrinter.evaluation(result));
        EvaluationResult best = history.bestEvaluation();
        if (best != null && !best.getCheckpointId().equals(result.getCheckpointId())) {
            // The job kept a best checkpoint before its last one: its evaluation too.
            out().println();
            out().println("best checkpoint (checkpoint.keepBest):");
            out().print(ResultPrinter.evaluation(best));
        } else if (best != null) {
            out().println("(the final checkpoint is also the best one)");
        }
        return result.getError() == null ? 0 : CliException.JOB_FAILED;
    }

    private int sweep() {
        try (SweepProgress progress = new SweepProgress(kafkaOptions.connect(), sweepId)) {
            SweepResult latest = progress.latestResult().orElseThrow(() -> new CliException(CliException.NOT_FOUND,
                    "sweep '" + sweepId + "' has no result yet (not expanded, or no such sweep)"));
            if (latest.getState() == SweepState.RUNNING) {
                out().print(SweepProgress.table(progress.now(latest)));
                out().flush();
                throw new CliException(CliException.NOT_FOUND, "sweep '" + sweepId + "' still runs; no ranking yet");
            }
            out().print(SweepProgress.table(latest));
            return latest.getState() == SweepState.SUCCEEDED ? 0 : CliException.JOB_FAILED;
        }
    }
}
