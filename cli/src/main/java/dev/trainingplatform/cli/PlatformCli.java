package dev.trainingplatform.cli;

import dev.trainingplatform.ml.JobRejectedException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The platform's command-line client. It talks only to Kafka, in the Avro contract.
 *
 * <p>Exit codes: 0 done; 1 the job failed, was cancelled or fell short; 2 bad input (options, job
 * file, configuration); 3 no such job or nothing to show yet; 4 the broker cannot be reached.
 */
@Command(name = "platform-cli", mixinStandardHelpOptions = true, version = "platform-cli 0.1.0",
        description = "Submit training jobs to the platform over Kafka, follow them, and read their results.",
        subcommands = {SubmitCommand.class, SweepCommand.class, WatchCommand.class, ResultCommand.class, PlotCommand.class,
                CancelCommand.class, ListCommand.class, ExportCommand.class, PredictCommand.class, CreateTopicsCommand.class,
                DemoCommand.class,
                BenchmarkCommand.class, CommandLine.HelpCommand.class})
public final class PlatformCli {

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        CommandLine cli = commandLine();
        int exitCode = cli.execute(args);
        // picocli's streams flush on println only, and System.exit does not flush a PrintWriter: a
        // command that ends with print (result's evaluation) would otherwise print nothing.
        cli.getOut().flush();
        cli.getErr().flush();
        System.exit(exitCode);
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new PlatformCli());
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            command.getErr().println("error: " + oneLine(e));
            command.getErr().flush();
            return e instanceof CliException c ? c.exitCode()
                    : e instanceof JobRejectedException ? CliException.INVALID_INPUT : CliException.JOB_FAILED;
        });
        return cli;
    }

    private static String oneLine(Throwable e) {
        if (e instanceof CliException) {
            return e.getMessage();
        }
        StringBuilder why = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
            why.append(": ").append(c.getMessage());
        }
        return why.toString().replace('\n', ' ');
    }
}
