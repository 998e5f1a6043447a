package dev.trainingplatform.cli;

import dev.trainingplatform.contract.AvroSerializer;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Kafka client settings: bootstrap servers from the flag, else KAFKA_BOOTSTRAP_SERVERS, else
 * 127.0.0.1:9092; everything else (security.protocol, sasl.*, ssl.*) from a standard Kafka client
 * properties file given by flag or PLATFORM_KAFKA_CONFIG.
 */
final class KafkaSettings {

    private final Map<String, Object> props;
    private final Duration connectTimeout;

    private KafkaSettings(Map<String, Object> props, Duration connectTimeout) {
        this.props = props;
        this.connectTimeout = connectTimeout;
    }

    static KafkaSettings of(String bootstrapServers, Path configFile, Duration connectTimeout, Map<String, String> env) {
        Map<String, Object> props = new HashMap<>();
        Path config = configFile != null ? configFile
                : env.containsKey("PLATFORM_KAFKA_CONFIG") ? Path.of(env.get("PLATFORM_KAFKA_CONFIG")) : null;
        if (config != null) {
            Properties file = new Properties();
            try (Reader in = Files.newBufferedReader(config)) {
                file.load(in);
            } catch (IOException | IllegalArgumentException e) {
                throw new CliException(CliException.INVALID_INPUT, "cannot read Kafka client config " + config + ": " + e);
            }
            file.forEach((k, v) -> props.put((String) k, v));
        }
        if (bootstrapServers != null) {
            props.put("bootstrap.servers", bootstrapServers);
        } else if (env.containsKey("KAFKA_BOOTSTRAP_SERVERS")) {
            props.put("bootstrap.servers", env.get("KAFKA_BOOTSTRAP_SERVERS"));
        } else {
            props.putIfAbsent("bootstrap.servers", "127.0.0.1:9092");
        }
        long ms = connectTimeout.toMillis();
        props.putIfAbsent("default.api.timeout.ms", String.valueOf(Math.max(ms, 1000)));
        props.putIfAbsent("request.timeout.ms", String.valueOf(Math.max(ms, 1000)));
        return new KafkaSettings(props, connectTimeout);
    }

    Map<String, Object> props() {
        return props;
    }

    String bootstrapServers() {
        return String.valueOf(props.get("bootstrap.servers"));
    }

    /** Publishes one contract record, keyed by job id, and waits for the broker (acks=all). */
    <T extends SpecificRecord> void send(String topic, String key, T value) throws Exception {
        Map<String, Object> producerProps = new HashMap<>(props);
        producerProps.put("acks", "all");
        producerProps.put("enable.idempotence", "true");
        try (KafkaProducer<String, T> producer =
                     new KafkaProducer<>(producerProps,
                             new StringSerializer(),
                             new AvroSerializer<>())) {
            producer.send(new ProducerRecord<>(topic, key, value))
                    .get(30, TimeUnit.SECONDS);
        }
    }

    /** Fails with one clear line when no broker answers within the connect timeout. */
    KafkaSettings requireReachable() {
        // The admin client's own timeouts come later than ours, so the message below is the one seen.
        Map<String, Object> probe = new HashMap<>(props);
        probe.put("default.api.timeout.ms", String.valueOf(connectTimeout.toMillis() + 5000));
        probe.put("request.timeout.ms", String.valueOf(connectTimeout.toMillis() + 5000));
        try (Admin admin = Admin.create(probe)) {
            admin.describeCluster().nodes().get(connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
            return this;
        } catch (TimeoutException e) {
            throw unreachable("no answer within " + connectTimeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            throw unreachable(e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unreachable("interrupted");
        } catch (org.apache.kafka.common.KafkaException e) {
            throw unreachable(e.getMessage() + (e.getCause() == null ? "" : ": " + e.getCause().getMessage()));
        }
    }

    private CliException unreachable(String why) {
        return new CliException(CliException.KAFKA_UNAVAILABLE, "cannot reach Kafka at " + bootstrapServers() + " (" + why + ")");
    }
}
