package dev.trainingplatform.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The table benchmarks/run prints (benchmarks/python/summarize.py): medians, ratios and each side's slowest round. */
class RoundSummaryTest {

    @TempDir
    Path dir;

    private String summarize(String rounds) throws Exception {
        return summarize(rounds, null);
    }

    private String summarize(String rounds, String gemm) throws Exception {
        Path file = Files.writeString(dir.resolve("rounds.txt"), rounds);
        Path script = Path.of(System.getProperty("user.dir")).resolve("python/summarize.py");
        String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(python, script.toString(),
                file.toString(), "3", "2"));
        if (gemm != null) {
            command.add(gemm);
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    @Test
    void aSlowRoundBelowTheReferencesIsNamedWithBothFigures() throws Exception {
        // The CIFAR-10 run: ours 2 202 and 1 892 (and a fast 2 957) against PyTorch's ~2 300.
        String out = summarize("cifar10 2202 2 2338 1500\ncifar10 2957 2 2339 1400\ncifar10 1892 2 2283 1300\n"
                + "imdb 900 2 640 500\nimdb 880 2 650 510\nimdb 910 2 645 505\n");
        assertThat(out).contains("| cifar10 | 2202 [2] | 1892, 1892 | 2338 | 1400 | 2283 | **0.94x** (0.83-1.26) against 2 thread(s)");
        assertThat(out).contains("| imdb | 900 [2] | 880, 880 | 645 | 505 | 640 | **1.41x** (1.35-1.41)");
        assertThat(out).contains("Our slowest round is below the reference's slowest: cifar10 (1892 < 2283).")
                .contains("Our slowest round is below the reference's median: cifar10 (1892 < 2338).")
                .doesNotContain("imdb (");
    }

    @Test
    void theRooflineColumnIsTheMediansMatrixWorkAgainstTheGemmRate() throws Exception {
        // 2 500 samples/s of 38.16 MFLOP each: 95.4 GFLOP/s, 70 % of a 136 GFLOP/s GEMM.
        String out = summarize("cifar10 2500 2 2300 1400 38157312\ncifar10 2400 2 2310 1400 38157312\n"
                + "cifar10 2600 2 2290 1400 38157312\n", "1.36e11");
        assertThat(out).contains("roofline: our matrix work, GFLOP/s (share of the 136 GFLOP/s GEMM)")
                .contains("| 95.4 (70%) |");
        // Without the GEMM rate there is no such column.
        assertThat(summarize("cifar10 2500 2 2300 1400 38157312\n")).doesNotContain("roofline");
    }

    @Test
    void aSlowRoundSaysWhatTheCpuProbeSawBeforeItAndTheRunsWithASlowedCpuAreCounted() throws Exception {
        // Round 2 of ours started with one CPU at 0.55 of the other's speed; the reference's runs did not.
        String out = summarize("regression 1700000 1 950000 1100000 9000 0.93 0.95\n"
                + "regression 1016000 1 940000 1044000 9000 0.55 0.91\n"
                + "regression 1660000 1 930000 1070000 9000 0.97 0.62\n");
        assertThat(out).contains("Our slowest round is below the reference's median: regression (1016000 < 1070000;"
                        + " CPUs 0.55 before ours, 0.91 before the reference).")
                .contains("CPU probes before the 6 runs: the slower CPU at 0.55-0.97 of the faster's speed;"
                        + " 2 run(s) started with one CPU below 0.80.");
        // Rounds recorded without probes (before they were taken) print no such line.
        assertThat(summarize("regression 1700000 1 950000 1100000 9000\n")).doesNotContain("CPU probes");
    }

    @Test
    void whenEverySlowestRoundIsAheadItSaysSo() throws Exception {
        String out = summarize("fashion-mnist 5000 2 3000 3500\nfashion-mnist 5200 2 3100 3400\nfashion-mnist 5100 2 2900 3600\n");
        // The reference's faster configuration here is one thread (median 3 500).
        assertThat(out).contains("| fashion-mnist | 5100 [2] | 5000, 5000 | 3000 | 3500 | 3400 |")
                .contains("against 1 thread(s)")
                .contains("Our slowest round is at or above the reference's slowest on every workload.")
                .contains("Our slowest round is at or above the reference's median on every workload.");
    }
}
