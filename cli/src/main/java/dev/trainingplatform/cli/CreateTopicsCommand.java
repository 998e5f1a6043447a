package dev.trainingplatform.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "create-topics", description = "Create the contract's topics that do not exist yet.")
final class CreateTopicsCommand extends KafkaCommand {

    @Option(names = "--partitions", defaultValue = "4", description = "(default: ${DEFAULT-VALUE})")
    int partitions;

    @Override
    public Integer call() throws Exception {
        if (partitions < 1) {
            throw new CliException(CliException.INVALID_INPUT, "--partitions must be at least 1");
        }
        List<String> created = TopicAdmin.createMissing(kafkaOptions.connect().props(), partitions);
        out().println(created.isEmpty() ? "all topics exist" : "created " + String.join(", ", created));
        return 0;
    }
}
