package dev.trainingplatform.ml.train.optimizer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import dev.trainingplatform.ml.TorchScriptModule;
import java.util.ArrayList;
import java.util.List;

/**
 * One Adam step for all parameters in one engine call: a single check of every gradient for inf and
 * NaN (the kernel behind PyTorch's {@code GradScaler}), then PyTorch's fused Adam kernel (the one
 * {@code torch.optim.Adam(fused=True)} runs: one pass over each parameter), then the gradients
 * zeroed, applied or not.
 *
 * <p>Why: on small models a step is mostly per-operation overhead. Per parameter, DJL's Adam kernel
 * makes 11 engine operations and the finiteness check 2 more; this is 5 operations for the whole
 * model (docs/performance.md has what it bought).
 *
 * <p>The arrays it updates in place are the optimizer's own: the parameters, their moments (the
 * optimizer's slots) and one step counter per parameter, which it keeps equal to the optimizer's
 * counts so that the optimizer's saved state stays what it was.
 */
public final class FusedAdam implements ResumableOptimizer.FusedUpdate {

    /**
     * The update itself, on TorchScript lists {@code params, grads, exp_avgs, exp_avg_sqs, steps} (the
     * steps already counted) and floats {@code lr, beta1, beta2, weight_decay, eps}.
     */
    public static final String UPDATE = "torch._fused_adam_(params, grads, exp_avgs, exp_avg_sqs, annotate(List[Tensor], []), "
            + "steps, lr=lr, beta1=beta1, beta2=beta2, weight_decay=weight_decay, eps=eps, amsgrad=False, maximize=False)";

    /** Sets {@code found_inf} to a non-zero value where any of {@code grads} holds an inf or a NaN (GradScaler's check). */
    public static final String CHECK = """
            found_inf = torch.zeros([1], device=params[0].device)
            torch._amp_foreach_non_finite_check_and_unscale_(grads, found_inf, torch.ones([1], device=params[0].device))
            """;

    private static final String SOURCE = """
            class FusedAdam(Module):
              __parameters__ = []
              __buffers__ = []
              def step(self: __torch__.FusedAdam,
                params: List[Tensor],
                grads: List[Tensor],
                exp_avgs: List[Tensor],
                exp_avg_sqs: List[Tensor],
                steps: List[Tensor],
                lr: float,
                beta1: float,
                beta2: float,
                weight_decay: float,
                eps: float) -> bool:
            %s    finite = not bool(found_inf)
                if finite:
                  torch._foreach_add_(steps, 1.)
                  %s
                torch._foreach_zero_(grads)
                return finite
            """.formatted(CHECK.indent(4), UPDATE);

    private final ResumableOptimizer optimizer;
    private final List<Parameter> parameters;
    private final List<String> ids = new ArrayList<>();
    private AdamHyperparameters hyperparameters;
    private final NDManager counters;
    private final PtSymbolBlock module;
    private final IValue[] arguments;

    /**
     * @throws ai.djl.engine.EngineException where the engine cannot compile the step (an engine
     *                                       without these kernels)
     */
    FusedAdam(ResumableOptimizer optimizer, List<Parameter> parameters, float learningRate, float beta1, float beta2,
              float epsilon, float weightDecay) {
        this.optimizer = optimizer;
        this.parameters = List.copyOf(parameters);
        this.hyperparameters = AdamHyperparameters.of(learningRate, beta1, beta2, epsilon, weightDecay);
        NDManager manager = parameters.get(0).getArray().getManager();
        counters = manager.newSubManager();
        PtNDArray[] weights = new PtNDArray[parameters.size()];
        PtNDArray[] means = new PtNDArray[weights.length];
        PtNDArray[] variances = new PtNDArray[weights.length];
        PtNDArray[] steps = new PtNDArray[weights.length];
        for (int i = 0; i < weights.length; i++) {
            Parameter p = parameters.get(i);
            ids.add(p.getId());
            weights[i] = (PtNDArray) p.getArray();
            NDArray[] slots = optimizer.slots(p.getId(), weights[i]);
            means[i] = (PtNDArray) slots[0];
            variances[i] = (PtNDArray) slots[1];
            steps[i] = (PtNDArray) counters.create((float) optimizer.stepCount(p.getId())).toDevice(weights[i].getDevice(), false);
        }
        try {
            module = TorchScriptModule.load((PtNDManager) counters, "FusedAdam", SOURCE);
        } catch (RuntimeException e) {
            counters.close();
            throw e;
        }
        // Built once: the lists hold the same tensors for the whole run, updated in place.
        arguments = new IValue[] {
                IValue.listFrom(weights), null, IValue.listFrom(means), IValue.listFrom(variances),
                IValue.listFrom(steps), IValue.from(hyperparameters.learningRate()), IValue.from(hyperparameters.beta1()),
                IValue.from(hyperparameters.beta2()), IValue.from(hyperparameters.weightDecay()),
                IValue.from(hyperparameters.epsilon())};
    }

    @Override
    public boolean applyIfFinite(List<NDArray> gradients) {
        PtNDArray[] grads = new PtNDArray[gradients.size()];
        for (int i = 0; i < grads.length; i++) {
            grads[i] = (PtNDArray) gradients.get(i);
        }
        boolean applied;
        try (IValue gradList = IValue.listFrom(grads)) {
            arguments[1] = gradList;
            try (IValue result = IValueUtils.runMethod(module, "step", arguments)) {
                applied = result.toBoolean();
            }
        } finally {
            arguments[1] = null;
        }
        if (applied) {
            countStep();
        }
        return applied;
    }

    /** The parameters it updates, in the order of the lists {@link #stateLists()} hold. */
    public List<Parameter> parameters() {
        return parameters;
    }

    /**
     * The arrays an update changes in place, as the four engine lists the update is called with (built
     * once; this optimizer closes them), each in the order of {@link #parameters()}: the weights, the
     * first moments, the second moments, the step counters.
     */
    public IValue[] stateLists() {
        return new IValue[] {arguments[0], arguments[2], arguments[3], arguments[4]};
    }

    public AdamHyperparameters hyperparameters() {
        return hyperparameters;
    }

    /** The learning rate as the engine call takes it (an argument of the update and of CompiledStep's step). */
    public IValue learningRateArgument() {
        return arguments[5];
    }

    /** The learning rate of the updates from now on: a new engine argument; the old one is closed. */
    void setLearningRate(float learningRate) {
        AdamHyperparameters h = hyperparameters;
        hyperparameters = new AdamHyperparameters(learningRate, h.beta1(), h.beta2(), h.weightDecay(), h.epsilon());
        IValue old = arguments[5];
        arguments[5] = IValue.from(hyperparameters.learningRate());
        old.close();
    }

    /**
     * Counts a step applied by another engine call on {@link #stateLists()} ({@link CompiledStep}).
     *
     * @return the first parameter's step count after it
     */
    public int countStep() {
        int first = 0;
        for (String id : ids) {
            int count = optimizer.nextStep(id);
            first = first == 0 ? count : first;
        }
        return first;
    }

    @Override
    public void close() {
        for (IValue argument : arguments) {
            if (argument != null) {
                argument.close();
            }
        }
        module.close();
        counters.close();
    }
}
