package dev.trainingplatform.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A packaged service (quarkus-run.jar) running as a process of its own, its output in a log file. */
final class ServiceProcess implements AutoCloseable {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    private final String name;
    private final Map<String, String> env;
    private final Path logDirectory;
    private final Process process;
    private final Path log;

    private ServiceProcess(String name, Map<String, String> env, Path logDirectory, Process process, Path log) {
        this.name = name;
        this.env = env;
        this.logDirectory = logDirectory;
        this.process = process;
        this.log = log;
    }

    /** @param name "trainer", "evaluator" or "dashboard" */
    static ServiceProcess start(String name, Map<String, String> env, Path logDirectory) throws IOException {
        String module = name.equals("dashboard") ? name : name + "-service";
        Path jar = ROOT.resolve(module + "/target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run the whole build (mvn -B verify) from the root");
        }
        Path log = Files.createTempFile(Files.createDirectories(logDirectory), name + "-", ".log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // Several services share the cores: one intra-op thread each, or libtorch's OpenMP
                // threads spin against each other and an epoch takes many times as long.
                "-Xmx1g", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", "-jar", jar.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return new ServiceProcess(name, env, logDirectory, pb.start(), log);
    }

    /**
     * What both services need to run against {@code bootstrapServers} with data and checkpoints
     * under {@code work}, on random HTTP ports, without downloads. A mutable copy, for additions.
     */
    static Map<String, String> environment(String bootstrapServers, Path work, Path fashionMnist) {
        return new java.util.HashMap<>(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", bootstrapServers,
                "TRAINER_HTTP_PORT", "0",
                "EVALUATOR_HTTP_PORT", "0",
                "TRAINER_DATA_ROOTS", work.resolve("data").toString(),
                "EVALUATOR_DATA_ROOTS", work.resolve("data").toString(),
                "TRAINER_DOWNLOADS_ENABLED", "false",
                "EVALUATOR_DOWNLOADS_ENABLED", "false",
                "FASHION_MNIST_LOCATION", fashionMnist.toString(),
                "CHECKPOINT_DIRECTORY", work.resolve("checkpoints").toString()));
    }

    static Path root() {
        return ROOT;
    }

    boolean logContains(String text) {
        try {
            return Files.readString(log).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    /** The last lines of the log, for failure messages. */
    String tail() {
        try {
            var lines = Files.readAllLines(log);
            return "---- " + name + " " + log + "\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())) + "\n";
        } catch (IOException e) {
            return "---- " + name + ": " + e + "\n";
        }
    }

    /** {@code failure} with the services' log tails appended, so that a failed run shows what they said. */
    static AssertionError withLogs(AssertionError failure, Collection<ServiceProcess> services) {
        StringBuilder logs = new StringBuilder();
        services.forEach(s -> logs.append(s.tail()));
        return new AssertionError(failure.getMessage() + "\n" + logs, failure);
    }

    static void closeAll(Collection<ServiceProcess> services) throws InterruptedException {
        for (ServiceProcess s : services) {
            s.close();
        }
    }

    /** SIGSTOP: the process stays alive but does nothing (a long GC pause, a frozen VM) until {@link #thaw}. */
    void freeze() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT after {@link #freeze}. */
    void thaw() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        int rc = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start().waitFor();
        if (rc != 0) {
            throw new IllegalStateException("kill -" + name + " " + process.pid() + " exited " + rc);
        }
    }

    /** The exit code once the process has ended on its own within {@code timeout}; empty if it still runs. */
    java.util.OptionalInt awaitExit(java.time.Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
                ? java.util.OptionalInt.of(process.exitValue()) : java.util.OptionalInt.empty();
    }

    /** SIGKILL, then the same service started afresh with the same environment. */
    ServiceProcess killAndReplace() throws IOException, InterruptedException {
        process.destroyForcibly().waitFor();
        return start(name, env, logDirectory);
    }

    @Override
    public void close() throws InterruptedException {
        try {
            thaw(); // a frozen process would not act on SIGTERM
        } catch (IOException | RuntimeException e) {
            // gone already
        }
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
