package dev.trainingplatform.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.trainingplatform.bench.TrainingThroughput.Workload;
import dev.trainingplatform.ml.train.Training;
import dev.trainingplatform.ml.train.admission.JobLimits;
import dev.trainingplatform.ml.train.admission.TrainingPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Whether a workload's speed moves with the machine: trains one job and, after every window of
 * batches, times two probes in the same process, on the same threads: libtorch's float32 matrix
 * multiply (1024 x 1024, compute-bound: the convolutions' and dense layers' kind of work) and ReLU
 * over 16 MiB (memory-bound: an activation of CIFAR-10's first convolution, the element-wise layers'
 * and pooling's kind of work). Prints each window's samples per second beside the two probes' rates,
 * each series' spread (slowest / fastest), and the correlation of the workload's windows with each
 * probe.
 *
 * <p>Why: issue 32 saw our CIFAR-10 speed move 40 % between runs where the reference's moved 5 %, and
 * asked whether the trainer has a slow mode. A slow mode of ours would move our windows and leave the
 * probes where they were; the machine's speed moves both.
 *
 * <pre>java -Dai.djl.pytorch.num_threads=2 -cp benchmarks/target/benchmarks.jar dev.trainingplatform.bench.MachineDrift [WORKLOAD [WINDOW WINDOWS WARMUP]]</pre>
 */
public final class MachineDrift {

    private static final int GEMM_N = 1024;
    private static final int RELU_FLOATS = 4 * 1024 * 1024; // 16 MiB
    private static final long PROBE_NANOS = 150_000_000L;

    private MachineDrift() {}

    public static void main(String[] args) {
        String name = args.length > 0 ? args[0] : "cifar10";
        Workload w = TrainingThroughput.WORKLOADS.get(name);
        if (w == null) {
            System.err.println("usage: MachineDrift [WORKLOAD [WINDOW WINDOWS WARMUP]]; workloads: "
                    + TrainingThroughput.WORKLOADS.keySet());
            System.exit(2);
        }
        int window = args.length > 1 ? Integer.parseInt(args[1]) : 25;
        int windows = args.length > 2 ? Integer.parseInt(args[2]) : 40;
        int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 100;
        List<double[]> rows = new ArrayList<>(); // samples/s, GEMM GFLOP/s, ReLU GB/s
        try (NDManager probes = NDManager.newBaseManager()) {
            NDArray a = probes.randomUniform(-1, 1, new Shape(GEMM_N, GEMM_N));
            NDArray b = probes.randomUniform(-1, 1, new Shape(GEMM_N, GEMM_N));
            NDArray x = probes.randomUniform(-1, 1, new Shape(RELU_FLOATS));
            long total = warmup + (long) window * windows;
            long[] batches = {0};
            long[] started = {0};
            Training.run(TrainingPlan.of(TrainingThroughput.job(w, "drift-" + w.preset(), 1_000_000),
                    TrainingThroughput.generate(w, new Random(42)), JobLimits.defaults()), new Training.Observer() {
                @Override
                public void epochFinished(Training.EpochResult result, Training.Snapshot snapshot) {
                }

                @Override
                public void batchFinished() {
                    long done = ++batches[0] - warmup;
                    if (done < 0 || done % window != 0) {
                        return;
                    }
                    if (done > 0) {
                        double seconds = (System.nanoTime() - started[0]) / 1e9;
                        rows.add(new double[] {(double) window * w.batchSize() / seconds,
                            gemmRate(a, b) / 1e9, reluRate(x) / 1e9});
                    }
                    started[0] = System.nanoTime();
                }

                @Override
                public boolean stopRequested() {
                    return batches[0] >= total;
                }
            });
        }
        StringBuilder line = new StringBuilder("windows (samples/s | GEMM GFLOP/s | ReLU GB/s):");
        for (double[] r : rows) {
            line.append(String.format(Locale.ROOT, " %.0f|%.0f|%.0f", r[0], r[1], r[2]));
        }
        System.out.println(line);
        String[] names = {"samples/s", "GEMM GFLOP/s", "ReLU 16 MiB GB/s"};
        for (int c = 0; c < 3; c++) {
            double[] series = column(rows, c);
            System.out.printf(Locale.ROOT, "%s: min %.0f, median %.0f, max %.0f, slowest/fastest %.2f%s%n", names[c],
                    min(series), median(series), max(series), min(series) / max(series),
                    c == 0 ? "" : String.format(Locale.ROOT, ", correlation with the windows' samples/s %.2f",
                            correlation(column(rows, 0), series)));
        }
    }

    /** Float32 multiply-add rate of one 1024 x 1024 product after another, for {@link #PROBE_NANOS}. */
    static double gemmRate(NDArray a, NDArray b) {
        return 2.0 * GEMM_N * GEMM_N * GEMM_N * callsPerSecond(() -> a.matMul(b));
    }

    /** Bytes read and written per second by ReLU over {@link #RELU_FLOATS} floats, for {@link #PROBE_NANOS}. */
    static double reluRate(NDArray x) {
        return 2.0 * Float.BYTES * RELU_FLOATS * callsPerSecond(() -> x.getNDArrayInternal().relu());
    }

    /**
     * Calls of {@code call} per second, one after another for {@link #PROBE_NANOS}; each result is read
     * (so that it is complete before the clock reads) and freed before the next call.
     */
    private static double callsPerSecond(java.util.function.Supplier<NDArray> call) {
        long n = 0;
        long started = System.nanoTime();
        long elapsed;
        do {
            NDArray result = call.get();
            try (NDManager scope = result.getManager().newSubManager()) {
                result.attach(scope);
                result.getFloat(new long[result.getShape().dimension()]); // its first element
            }
            n++;
            elapsed = System.nanoTime() - started;
        } while (elapsed < PROBE_NANOS);
        return n / (elapsed / 1e9);
    }

    private static double[] column(List<double[]> rows, int c) {
        return rows.stream().mapToDouble(r -> r[c]).toArray();
    }

    private static double min(double[] v) {
        return java.util.Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double max(double[] v) {
        return java.util.Arrays.stream(v).max().orElse(Double.NaN);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length == 0 ? Double.NaN : s[s.length / 2];
    }

    /** Pearson's correlation of two series of the same length. */
    static double correlation(double[] x, double[] y) {
        double mx = java.util.Arrays.stream(x).average().orElse(0);
        double my = java.util.Arrays.stream(y).average().orElse(0);
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxy / Math.sqrt(sxx * syy);
    }
}
