package dev.trainingplatform.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.trainingplatform.ml.DjlRuntime;
import java.util.Locale;

/**
 * The machine's dense float32 matrix-multiply rate through libtorch (the engine the trainer uses), on
 * the intra-op threads it is started with: the roofline's ceiling in benchmarks/run. Square products of
 * 1024, after a warm-up, the best of five timed batches of 20; prints {@code gemm_flops_per_second=...}.
 *
 * <pre>java -Dai.djl.pytorch.num_threads=2 -cp benchmarks/target/benchmarks.jar dev.trainingplatform.bench.GemmRate [N [REPEATS]]</pre>
 */
public final class GemmRate {

    private GemmRate() {}

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        DjlRuntime.engine();
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = manager.randomUniform(-1, 1, new Shape(n, n));
            NDArray b = manager.randomUniform(-1, 1, new Shape(n, n));
            for (int i = 0; i < 3; i++) {
                a.matMul(b).close();
            }
            // The best of five timed batches: a ceiling, so a batch slowed by the machine's other work
            // does not lower it.
            double best = 0;
            for (int batch = 0; batch < 5; batch++) {
                long started = System.nanoTime();
                for (int i = 0; i < repeats; i++) {
                    NDArray c = a.matMul(b);
                    c.getFloat(0, 0); // the product is complete before the clock stops
                    c.close();
                }
                double seconds = (System.nanoTime() - started) / 1e9;
                best = Math.max(best, 2.0 * n * n * n * repeats / seconds);
            }
            System.out.printf(Locale.ROOT, "gemm_flops_per_second=%.4g%n", best);
        }
    }
}
