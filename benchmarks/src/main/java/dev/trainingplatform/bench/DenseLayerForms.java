package dev.trainingplatform.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.trainingplatform.ml.DjlRuntime;
import java.util.Locale;

/**
 * The CIFAR-10 CNN's first dense layer (4 096 features of a channels-last 8 x 8 x 64 map -> 256 units,
 * batch 128), forward and backward through autograd, in two forms alternated call by call: libtorch's
 * {@code linear} (MKL's sgemm) and the same product as a convolution with an 8 x 8 kernel over the
 * 8 x 8 map (oneDNN), from the same weight array viewed as (256, 64, 8, 8). Prints each form's
 * milliseconds per forward + backward, per round.
 *
 * <p>Why: the layer is a fifth of a CIFAR-10 step, and MKL on this AMD CPU runs its AVX2 kernels
 * (mkl_blas_def_sgemm_kernel_0_zen in perf) where oneDNN's convolutions run AVX-512; the convolution
 * form was the candidate to move it onto oneDNN. python/probes.py dense times the same products in
 * the reference's PyTorch (OpenBLAS).
 *
 * <pre>java -Dai.djl.pytorch.num_threads=2 -cp benchmarks/target/benchmarks.jar dev.trainingplatform.bench.DenseLayerForms [ROUNDS [CALLS]]</pre>
 */
public final class DenseLayerForms {

    private DenseLayerForms() {}

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 6;
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        DjlRuntime.engine();
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray map = manager.randomUniform(-1, 1, new Shape(128, 8, 8, 64)); // channels-last memory
            NDArray weight = manager.randomUniform(-1, 1, new Shape(256, 4096));
            NDArray upstream = manager.randomUniform(-1, 1, new Shape(128, 256));
            map.setRequiresGradient(true);
            weight.setRequiresGradient(true);
            for (int round = 1; round <= rounds; round++) {
                double[] nanos = new double[2];
                for (int i = 0; i < calls; i++) {
                    for (int form = 0; form < 2; form++) {
                        long started = System.nanoTime();
                        step(manager, map, weight, upstream, form == 1);
                        nanos[form] += System.nanoTime() - started;
                    }
                }
                System.out.printf(Locale.ROOT, "round %d: linear %.2f ms, as a convolution %.2f ms (forward + backward)%n",
                        round, nanos[0] / calls / 1e6, nanos[1] / calls / 1e6);
            }
        }
    }

    private static void step(NDManager manager, NDArray map, NDArray weight, NDArray upstream, boolean asConvolution) {
        try (NDManager scope = manager.newSubManager();
             GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray out;
            if (asConvolution) {
                NDArray input = map.transpose(0, 3, 1, 2); // (128, 64, 8, 8), laid out channels-last
                NDArray kernel = weight.reshape(256, 8, 8, 64).transpose(0, 3, 1, 2);
                out = input.getNDArrayInternal().convolution(input, kernel, null, new Shape(1, 1), new Shape(0, 0),
                        new Shape(1, 1), 1).singletonOrThrow().reshape(128, 256);
            } else {
                NDArray input = map.reshape(128, 4096);
                out = input.getNDArrayInternal().linear(input, weight, null).singletonOrThrow();
            }
            NDArray loss = out.mul(upstream).sum();
            out.attach(scope);
            loss.attach(scope);
            collector.backward(loss);
            map.getGradient().getFloat(0, 0, 0, 0); // both gradients complete before the clock stops
            weight.getGradient().getFloat(0, 0);
        }
    }
}
