package dev.trainingplatform.testkafka;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's resident memory from /proc (Linux), for tests that report the bound they ran within. */
public final class ProcessMemory {

    private ProcessMemory() {}

    /** "peak RSS N MiB, now M MiB, heap limit H MiB", or why it cannot be read. */
    public static String summary() {
        try {
            long peak = kib("VmHWM:");
            long now = kib("VmRSS:");
            return String.format("peak RSS %d MiB, now %d MiB, heap limit %d MiB", peak >> 10, now >> 10,
                    Runtime.getRuntime().maxMemory() >> 20);
        } catch (IOException | RuntimeException e) {
            return "RSS not readable here (" + e + ")";
        }
    }

    private static long kib(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException(field + " not in /proc/self/status");
    }
}
