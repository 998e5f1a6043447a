package dev.trainingplatform.cli;

import dev.trainingplatform.contract.JobQueues;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "create-topics", description = "Create the contract's topics that do not exist yet, and configure "
        + "the trainers' share group (the job queue). Trainers set the same configuration at start-up from "
        + "TRAINER_MAX_ATTEMPTS and TRAINER_QUEUE_LOCK_DURATION where their Kafka user may; keep the two equal.")
final class CreateTopicsCommand extends KafkaCommand {

    @Option(names = "--partitions", defaultValue = "4", description = "(default: ${DEFAULT-VALUE})")
    int partitions;

    @Option(names = "--trainer-group", defaultValue = JobQueues.DEFAULT_GROUP, description = "(default: ${DEFAULT-VALUE})")
    String trainerGroup;

    @Option(names = "--max-attempts", defaultValue = "" + JobQueues.DEFAULT_MAX_ATTEMPTS,
            description = "deliveries of a job before it is given up, 1 to 9 (default: ${DEFAULT-VALUE})")
    int maxAttempts;

    @Option(names = "--lock-duration", defaultValue = "PT30S", description = "how long a silent trainer keeps its job "
            + "from the others, ISO-8601 (default: ${DEFAULT-VALUE})")
    java.time.Duration lockDuration;

    @Override
    public Integer call() throws Exception {
        if (partitions < 1) {
            throw new CliException(CliException.INVALID_INPUT, "--partitions must be at least 1");
        }
        if (maxAttempts < 1 || maxAttempts > JobQueues.MAX_ATTEMPTS_LIMIT) {
            throw new CliException(CliException.INVALID_INPUT, "--max-attempts must be 1 to " + JobQueues.MAX_ATTEMPTS_LIMIT
                    + " (the share group's delivery count limit is one more, and brokers cap it at 10)");
        }
        var kafka = kafkaOptions.connect().props();
        List<String> created = TopicAdmin.createMissing(kafka, partitions);
        out().println(created.isEmpty() ? "all topics exist" : "created " + String.join(", ", created));
        out().println("share group " + trainerGroup + ": " + TopicAdmin.configureQueue(kafka, trainerGroup, maxAttempts,
                lockDuration));
        return 0;
    }
}
