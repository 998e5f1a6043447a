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
        int port = freePort();
        int controller = freePort();
        return start(root, directory, port, List.of(
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT"), controller, List.of(), Map.of());
    }

    /**
     * A broker that only speaks SASL/SCRAM-SHA-512 over TLS to clients and authorizes every request
     * with ACLs (StandardAuthorizer, nothing allowed without an ACL); {@code admin} is its super user.
     * The controller listener, on loopback only, authenticates with SASL/PLAIN: SCRAM credentials
     * live in the metadata the controller serves, so they cannot guard it.
     */
    static KafkaProcess startSecured(Path root, Path directory, Tls tls, String adminPassword) throws Exception {
        int port = freePort();
        int controller = freePort();
        String scram = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\""
                + adminPassword + "\";";
        String plain = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\""
                + adminPassword + "\" user_admin=\"" + adminPassword + "\";";
        Map<String, Object> adminClient = Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", scram, "ssl.truststore.location", tls.truststore().toString(),
                "ssl.truststore.password", tls.password(), "ssl.truststore.type", "PKCS12");
        return start(root, directory, port, List.of(
                "listeners=SASL_SSL://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                "advertised.listeners=SASL_SSL://127.0.0.1:" + port,
                "listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
                "inter.broker.listener.name=SASL_SSL",
                "sasl.enabled.mechanisms=SCRAM-SHA-512",
                "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512",
                "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=" + scram,
                "sasl.mechanism.controller.protocol=PLAIN",
                "listener.name.controller.sasl.enabled.mechanisms=PLAIN",
                "listener.name.controller.plain.sasl.jaas.config=" + plain,
                "ssl.keystore.location=" + tls.keystore(),
                "ssl.keystore.password=" + tls.password(),
                "ssl.key.password=" + tls.password(),
                "ssl.keystore.type=PKCS12",
                "ssl.truststore.location=" + tls.truststore(),
                "ssl.truststore.password=" + tls.password(),
                "ssl.truststore.type=PKCS12",
                "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "super.users=User:admin",
                "allow.everyone.if.no.acl.found=false"), controller,
                List.of("--add-scram", "SCRAM-SHA-512=[name=admin,password=" + adminPassword + "]"), adminClient);
    }

    /** A self-signed certificate for 127.0.0.1 (keystore) and a truststore holding it, made with keytool. */
    record Tls(Path keystore, Path truststore, String password) {

        static Tls generate(Path directory) throws Exception {
            Files.createDirectories(directory);
            Path keystore = directory.resolve("broker.p12");
            Path certificate = directory.resolve("broker.crt");
            Path truststore = directory.resolve("truststore.p12");
            String password = "changeit-" + java.util.UUID.randomUUID();
            keytool("-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                    "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12",
                    "-keystore", keystore.toString(), "-storepass", password, "-keypass", password);
            keytool("-exportcert", "-alias", "broker", "-keystore", keystore.toString(), "-storepass", password,
                    "-rfc", "-file", certificate.toString());
            keytool("-importcert", "-noprompt", "-alias", "broker", "-file", certificate.toString(), "-storetype", "PKCS12",
                    "-keystore", truststore.toString(), "-storepass", password);
            return new Tls(keystore, truststore, password);
        }

        private static void keytool(String... args) throws Exception {
            List<String> command = new java.util.ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
            command.addAll(List.of(args));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IllegalStateException("keytool " + args[0] + " failed: " + out);
            }
        }
    }

    private static KafkaProcess start(Path root, Path directory, int port, List<String> listeners, int controller,
                                      List<String> formatArgs, Map<String, Object> adminClient) throws Exception {
        Path libs = root.resolve("deploy/target/kafka/libs");
        if (!Files.isDirectory(libs)) {
            throw new IllegalStateException(libs + " is missing: run the whole build (mvn -B verify) from the root");
        }
        Files.createDirectories(directory);
        Path properties = directory.resolve("server.properties");
        List<String> lines = new java.util.ArrayList<>(List.of(
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.bootstrap.servers=127.0.0.1:" + controller,
                "controller.listener.names=CONTROLLER"));
        lines.addAll(listeners);
        lines.addAll(List.of(
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
        Files.writeString(properties, String.join("\n", lines));
        KafkaProcess kafka = new KafkaProcess(directory, properties, port);
        List<String> format = new java.util.ArrayList<>(List.of("format", "--standalone",
                "-t", org.apache.kafka.common.Uuid.randomUuid().toString(), "-c", properties.toString()));
        format.addAll(formatArgs);
        int formatted = kafka.java(libs, "kafka.tools.StorageTool", format.toArray(String[]::new)).waitFor();
        if (formatted != 0) {
            throw new IllegalStateException("formatting the broker's storage failed; see " + directory.resolve("kafka.log"));
        }
        kafka.startProcess(libs);
        Map<String, Object> admin = new java.util.HashMap<>(adminClient);
        admin.put("bootstrap.servers", kafka.bootstrapServers());
        try (Admin client = Admin.create(admin)) {
            client.createTopics(Topics.all(2).stream()
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
