package dev.trainingplatform.ml.train.optimizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.GradientCollector;
import dev.trainingplatform.ml.DjlRuntime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fused Adam step against Adam written out in plain Java, and against the per-parameter path. */
class FusedAdamTest {

    private static final float LR = 0.01f;
    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPSILON = 1e-3f; // large, so that where it enters the formula shows
    private static final float WEIGHT_DECAY = 0.05f;

    private static ResumableAdam adam() {
        return new ResumableAdam(LR, BETA1, BETA2, EPSILON, WEIGHT_DECAY);
    }

    /** Two parameters of different shapes; the loss is sum(c * w) + sum(w^2), so the gradient is c + 2w. */
    private static List<Parameter> parameters(NDManager manager) {
        List<Parameter> parameters = new ArrayList<>();
        parameters.add(parameter(manager, "weight", new float[] {0.5f, -1.5f, 2f, 0.25f, -0.75f, 1f}, new Shape(2, 3)));
        parameters.add(parameter(manager, "bias", new float[] {0.1f, -0.2f}, new Shape(2)));
        return parameters;
    }

    private static Parameter parameter(NDManager manager, String name, float[] values, Shape shape) {
        NDArray array = manager.create(values, shape);
        array.setRequiresGradient(true);
        return Parameter.builder().setName(name).setType(Parameter.Type.OTHER).optArray(array).build();
    }

    private static float[][] values(List<Parameter> parameters) {
        return parameters.stream().map(p -> p.getArray().toFloatArray()).toArray(float[][]::new);
    }

    private static float coefficient(int i) {
        return (i % 3 - 1) * 0.7f + 0.05f * i;
    }

    private static void backward(List<Parameter> parameters, float scale) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray loss = null;
            for (Parameter p : parameters) {
                NDArray w = p.getArray();
                long n = w.size();
                float[] c = new float[(int) n];
                for (int i = 0; i < n; i++) {
                    c[i] = coefficient(i) * scale;
                }
                NDArray term = w.mul(w.getManager().create(c, w.getShape())).sum().add(w.square().sum());
                loss = loss == null ? term : loss.add(term);
            }
            collector.backward(loss);
        }
    }

    private static List<NDArray> gradients(List<Parameter> parameters) {
        return parameters.stream().map(p -> p.getArray().getGradient()).toList();
    }

    /** Adam as torch.optim.Adam documents it, in double precision. */
    private static double[] adamWrittenOut(float[] start, int steps) {
        double[] w = new double[start.length];
        double[] m = new double[start.length];
        double[] v = new double[start.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = start[i];
        }
        for (int t = 1; t <= steps; t++) {
            for (int i = 0; i < w.length; i++) {
                double g = coefficient(i) + 2 * w[i] + WEIGHT_DECAY * w[i];
                m[i] = BETA1 * m[i] + (1 - BETA1) * g;
                v[i] = BETA2 * v[i] + (1 - BETA2) * g * g;
                double mHat = m[i] / (1 - Math.pow(BETA1, t));
                double vHat = v[i] / (1 - Math.pow(BETA2, t));
                w[i] -= LR * mHat / (Math.sqrt(vHat) + EPSILON);
            }
        }
        return w;
    }

    private static void assertAdamWrittenOut(List<Parameter> parameters, float[][] start, int steps) {
        for (int p = 0; p < parameters.size(); p++) {
            double[] expected = adamWrittenOut(start[p], steps);
            float[] actual = parameters.get(p).getArray().toFloatArray();
            for (int i = 0; i < actual.length; i++) {
                assertThat((double) actual[i]).as("parameter %d element %d", p, i).isCloseTo(expected[i], offset(1e-6));
            }
        }
    }

    @Test
    void threeFusedStepsComputeAdamAsPyTorchDefinesIt() {
        try (NDManager manager = DjlRuntime.engine().newBaseManager()) {
            List<Parameter> parameters = parameters(manager);
            float[][] start = values(parameters);
            ResumableAdam adam = adam();
            try (ResumableOptimizer.FusedUpdate fused = adam.fuse(parameters)) {
                assertThat(fused).as("PyTorch 2.7.1 has the fused kernel").isNotNull();
                for (int step = 0; step < 3; step++) {
                    backward(parameters, 1f);
                    assertThat(fused.applyIfFinite(gradients(parameters))).isTrue();
                    assertThat(parameters.get(0).getArray().getGradient().abs().sum().getFloat())
                            .as("gradients zeroed after the step").isZero();
                }
            }
            assertAdamWrittenOut(parameters, start, 3);
            assertThat(stepCounts(adam, parameters)).containsExactly(3, 3);
        }
    }

    @Test
    void theParameterByParameterPathComputesTheSame() {
        try (NDManager manager = DjlRuntime.engine().newBaseManager()) {
            List<Parameter> parameters = parameters(manager);
            float[][] start = values(parameters);
            ResumableAdam adam = adam();
            for (int step = 0; step < 3; step++) {
                backward(parameters, 1f);
                for (Parameter p : parameters) {
                    adam.update(p.getId(), p.getArray(), p.getArray().getGradient());
                }
            }
            assertAdamWrittenOut(parameters, start, 3);
        }
    }

    @Test
    void aNonFiniteGradientAnywhereLeavesEveryParameterAndItsStateAsTheyWere() {
        try (NDManager manager = DjlRuntime.engine().newBaseManager()) {
            List<Parameter> parameters = parameters(manager);
            ResumableAdam adam = adam();
            try (ResumableOptimizer.FusedUpdate fused = adam.fuse(parameters)) {
                backward(parameters, 1f);
                assertThat(fused.applyIfFinite(gradients(parameters))).isTrue();
                float[][] before = values(parameters);
                byte[] stateBefore = adam.saveState(block(parameters));

                backward(parameters.subList(1, 2), Float.POSITIVE_INFINITY); // inf * 0 = NaN in one gradient
                assertThat(fused.applyIfFinite(gradients(parameters))).isFalse();

                for (int p = 0; p < parameters.size(); p++) {
                    assertThat(parameters.get(p).getArray().toFloatArray()).containsExactly(before[p]);
                    assertThat(parameters.get(p).getArray().getGradient().abs().sum().getFloat()).isZero();
                }
                assertThat(adam.saveState(block(parameters))).isEqualTo(stateBefore);
                assertThat(stepCounts(adam, parameters)).containsExactly(1, 1);

                backward(parameters, 1f);
                assertThat(fused.applyIfFinite(gradients(parameters))).as("training goes on").isTrue();
                assertThat(stepCounts(adam, parameters)).containsExactly(2, 2);
            }
        }
    }

    private static List<Integer> stepCounts(ResumableOptimizer optimizer, List<Parameter> parameters) {
        return parameters.stream().map(p -> optimizer.stepCount(p.getId())).toList();
    }

    /** A block that owns exactly these parameters, for the optimizer's save format. */
    private static SequentialBlock block(List<Parameter> owned) {
        return new SequentialBlock() {
            {
                for (Parameter p : owned) {
                    addParameter(p);
                }
            }
        };
    }
}
