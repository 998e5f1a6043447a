package dev.trainingplatform.cli;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "plot", description = "Write PNG plots of a job: loss and accuracy per epoch, confusion matrix, regression fit.")
final class PlotCommand extends KafkaCommand {

    @Parameters(paramLabel = "JOB")
    String jobId;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "plots", description = "(default: ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws Exception {
        JobHistory history = JobHistory.read(kafkaOptions.connect(), jobId);
        if (history.epochs().isEmpty() && history.latestEvaluation() == null) {
            throw new CliException(CliException.NOT_FOUND, "job '" + jobId + "' has no metrics to plot yet (" + history.state() + ")");
        }
        List<Path> files = Plots.write(jobId, history.epochs(), history.latestEvaluation(), out);
        files.forEach(f -> out().println(f));
        return 0;
    }
}
