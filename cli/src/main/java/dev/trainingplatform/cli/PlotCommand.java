package dev.trainingplatform.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "plot", description = "Write PNG plots of a job: loss and accuracy per epoch, confusion matrix, regression fit.")
final class PlotCommand implements Callable<Integer> {

    @Parameters(paramLabel = "JOB")
    String jobId;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "plots", description = "(default: ${DEFAULT-VALUE})")
    Path out;

    @Mixin
    KafkaOptions kafkaOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        JobHistory history = JobHistory.read(kafkaOptions.connect(), jobId);
        if (history.epochs().isEmpty() && history.latestEvaluation() == null) {
            throw new CliException(CliException.NOT_FOUND, "job '" + jobId + "' has no metrics to plot yet (" + history.state() + ")");
        }
        List<Path> files = Plots.write(jobId, history.epochs(), history.latestEvaluation(), out);
        files.forEach(f -> spec.commandLine().getOut().println(f));
        return 0;
    }
}
