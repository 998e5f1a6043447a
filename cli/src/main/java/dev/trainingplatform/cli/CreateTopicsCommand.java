package dev.trainingplatform.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "create-topics", description = "Create the contract's topics that do not exist yet.")
final class CreateTopicsCommand implements Callable<Integer> {

    @Option(names = "--partitions", defaultValue = "4", description = "(default: ${DEFAULT-VALUE})")
    int partitions;

    @Mixin
    KafkaOptions kafkaOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (partitions < 1) {
            throw new CliException(CliException.INVALID_INPUT, "--partitions must be at least 1");
        }
        List<String> created = TopicAdmin.createMissing(kafkaOptions.connect().props(), partitions);
        spec.commandLine().getOut().println(created.isEmpty() ? "all topics exist" : "created " + String.join(", ", created));
        return 0;
    }
}
