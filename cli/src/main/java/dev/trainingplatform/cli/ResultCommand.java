package dev.trainingplatform.cli;

import dev.trainingplatform.contract.EvaluationResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "result", description = "Print a job's evaluation: loss, accuracy, confusion matrix, per-class precision/recall/F1.")
final class ResultCommand extends KafkaCommand {

    @Parameters(paramLabel = "JOB")
    String jobId;

    @Override
    public Integer call() {
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
}
