package dev.trainingplatform.e2e;

import dev.trainingplatform.contract.Topics;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * A real Apache Kafka broker (KRaft, one node) in a process of its own, from the jars the deploy
 * module gathers from Maven Central, as deploy/local/up runs it: unlike the in-JVM test broker it can
 * be killed and started again on the same port and data, as a broker restart in production does.
 */
final class KafkaProcess implements AutoCloseable {

    private final Path directory;
    private final Path properties;
    private final int port;
    private Process process;

    private KafkaProcess(Path directory, Path properties, int port) {
        this.directory = directory;
        this.properties = properties;
        this.port = port;
    }

    static KafkaProcess start(Path root, Path directory) throws Exception {
        Path libs = root.resolve("deploy/target/kafka/libs");
        if (!Files.isDirectory(libs)) {
            throw new IllegalStateException(libs + " is missing: run the whole build (mvn -B verify) from the root");
        }
        int port = freePort();
        int controller = freePort();
        Files.createDirectories(directory);
        Path properties = directory.resolve("server.properties");
        Files.writeString(properties, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.bootstrap.servers=127.0.0.1:" + controller,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                "log.dirs=" + directory.resolve("data"),
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=false",
                "message.max.bytes=" + Topics.CHECKPOINT_MAX_MESSAGE_BYTES,
                "replica.fetch.max.bytes=" + Topics.CHECKPOINT_MAX_MESSAGE_BYTES, ""));
        KafkaProcess kafka = new KafkaProcess(directory, properties, port);
        int formatted = kafka.java(libs, "kafka.tools.StorageTool", "format", "--standalone",
                "-t", org.apache.kafka.common.Uuid.randomUuid().toString(), "-c", properties.toString())
                .waitFor();
        if (formatted != 0) {
            throw new IllegalStateException("formatting the broker's storage failed; see " + directory.resolve("kafka.log"));
        }
        kafka.startProcess(libs);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(Topics.all(2).stream()
                    .map(t -> new NewTopic(t.name(), t.partitions(), (short) 1).configs(t.configs())).toList())
                    .all().get(60, TimeUnit.SECONDS);
        }
        return kafka;
    }

    private Process java(Path libs, String main, String... args) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-cp", libs.toAbsolutePath() + "/*", main));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("kafka.log").toFile())).start();
    }

    private void startProcess(Path libs) throws Exception {
        process = java(libs, "kafka.Kafka", properties.toString());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!reachable()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the broker did not start; see " + directory.resolve("kafka.log"));
            }
            Thread.sleep(100);
        }
    }

    private boolean reachable() {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** SIGKILL: the broker dies as in a crash, with whatever it had not written left to the OS. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** The same broker again: same port, same data. */
    void startAgain(Path root) throws Exception {
        startProcess(root.resolve("deploy/target/kafka/libs"));
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
