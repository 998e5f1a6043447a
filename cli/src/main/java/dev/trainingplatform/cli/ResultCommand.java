package dev.trainingplatform.cli;

import dev.trainingplatform.contract.EvaluationResult;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "result", description = "Print a job's evaluation: loss, accuracy, confusion matrix, per-class precision/recall/F1.")
final class ResultCommand implements Callable<Integer> {

    @Parameters(paramLabel = "JOB")
    String jobId;

    @Mixin
    KafkaOptions kafkaOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        JobHistory history = JobHistory.read(kafkaOptions.connect(), jobId);
        EvaluationResult result = history.latestEvaluation();
        if (result == null) {
            throw new CliException(CliException.NOT_FOUND, "job '" + jobId + "' has no evaluation yet (" + history.state() + ")");
        }
        spec.commandLine().getOut().print(ResultPrinter.evaluation(result));
        return result.getError() == null ? 0 : CliException.JOB_FAILED;
    }
}
