package dev.trainingplatform.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that talks to the broker: the Kafka options, and the command line's output streams. */
abstract class KafkaCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafkaOptions;

    @Spec
    CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
