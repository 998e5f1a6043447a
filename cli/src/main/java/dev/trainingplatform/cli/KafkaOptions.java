package dev.trainingplatform.cli;

import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The Kafka options every command that talks to the broker takes. */
final class KafkaOptions {

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS, else 127.0.0.1:9092)")
    String bootstrapServers;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties: security.protocol, sasl.*, ssl.* (default: $PLATFORM_KAFKA_CONFIG)")
    Path config;

    @Option(names = "--connect-timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "How long to wait for the broker before giving up (default: ${DEFAULT-VALUE})")
    int connectTimeoutSeconds;

    /** Settings for a broker that has answered. */
    KafkaSettings connect() {
        return KafkaSettings.of(bootstrapServers, config, Duration.ofSeconds(Math.max(1, connectTimeoutSeconds)),
                System.getenv()).requireReachable();
    }
}
