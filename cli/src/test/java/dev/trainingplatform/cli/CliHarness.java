package dev.trainingplatform.cli;

import dev.trainingplatform.contract.AvroSerializer;
import dev.trainingplatform.testkafka.ContractClient;
import dev.trainingplatform.testkafka.KafkaBroker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import picocli.CommandLine;

/** The CLI run in this JVM as a user runs it, with its output captured, against the tests' real broker. */
final class CliHarness {

    final KafkaBroker broker = KafkaBroker.shared();
    final ContractClient client = new ContractClient(broker.bootstrapServers());

    record Run(int exitCode, String out, String err) {}

    Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = PlatformCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    Run cliOnBroker(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--bootstrap-servers");
        all.add(broker.bootstrapServers());
        return cli(all.toArray(String[]::new));
    }

    void publish(String topic, String key, SpecificRecord value) {
        client.send(topic, key, new AvroSerializer<SpecificRecord>().serialize(topic, value));
    }
}
