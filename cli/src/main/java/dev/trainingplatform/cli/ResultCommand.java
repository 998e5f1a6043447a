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
        return result.getError() == null ? 0 : CliException.JOB_FAILED;
    }
}
