package dev.trainingplatform.e2e;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The packaged platform-cli run as a user runs it: its own JVM, the jar the build made. */
final class CliProcess {

    /** What a run printed (standard output and error together), and its exit code. */
    record Run(int exitCode, String output) {}

    private CliProcess() {}

    static Run run(Path root, List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", root.resolve("cli/target/platform-cli.jar").toString()));
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), output);
    }
}
