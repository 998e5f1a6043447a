package dev.trainingplatform.ml.train.step;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import dev.trainingplatform.contract.Layer;
import dev.trainingplatform.contract.LossType;
import dev.trainingplatform.ml.TorchScriptModule;
import dev.trainingplatform.ml.model.ScriptedModel;
import dev.trainingplatform.ml.train.optimizer.FusedAdam;
import dev.trainingplatform.ml.train.optimizer.ResumableOptimizer;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole training step in one engine call: the forward pass ({@link ScriptedModel}), the loss and
 * the batch's count of right predictions ({@link FusedLoss}'s), the gradients (the model's backward
 * statements, ScriptedModel's, without autograd), the finiteness check and the fused Adam update
 * ({@link FusedAdam}'s),
 * compiled from TorchScript source when the job starts, on the model's own parameter arrays and the
 * optimizer's own state.
 *
 * <p>Why: on a small model a step is mostly per-operation overhead. Through DJL every intermediate
 * array is a Java object, a manager entry and a JNI call each way, forward and backward; a batch of
 * the Fashion-MNIST MLP makes about thirty such calls where this makes one, and libtorch's interpreter
 * runs the same kernels between them without leaving native code (docs/performance.md has what it
 * bought). It is what JAX's {@code jit} of a train step does for the tutorials, and what
 * {@code torch.compile} does for a Python user.
 *
 * <p>Where it applies: models whose every layer has a scripted form (the MLPs), trained with Adam
 * (fused) on a cross-entropy over (batch, classes) or a mean squared error. Everything else, and every
 * job when {@code -Dtraining.compiled-step=false}, takes {@link GuardedStep}'s step of DJL operations,
 * which computes the same (CompiledStepTest holds the two equal).
 */
final class CompiledStep implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CompiledStep.class);

    /** {@code -Dtraining.compiled-step=false} trains every job by DJL's operations (to compare the two). */
    static final String SWITCH = "training.compiled-step";

    /** A step's figures: whether it was applied (loss and gradients finite), the loss, the right predictions (-1: not counted). */
    record Outcome(boolean applied, float loss, long correct) {}

    /** DJL's setting for its TorchScript calls (on unless {@code -Dai.djl.pytorch.graph_optimizer=false}). */
    private static final boolean ENGINE_GRAPH_OPTIMIZER =
            Boolean.parseBoolean(System.getProperty("ai.djl.pytorch.graph_optimizer", "true"));

    private final PtSymbolBlock module;
    private final FusedAdam adam;
    private final boolean crossEntropy;
    /**
     * The call's arguments: the batch and its labels (set for each call), then the update's four state
     * lists, the fused Adam's own (built once: the same arrays, updated in place, for the whole run),
     * then the learning rate (the fused Adam's, read at each call: a schedule changes it).
     */
    private final IValue[] arguments;

    private CompiledStep(PtSymbolBlock module, FusedAdam adam, boolean crossEntropy) {
        this.module = module;
        this.adam = adam;
        this.crossEntropy = crossEntropy;
        IValue[] state = adam.stateLists();
        arguments = new IValue[2 + state.length + 1];
        System.arraycopy(state, 0, arguments, 2, state.length);
    }

    /**
     * @return the compiled step for this job, or null where it has none (see the class comment) or the
     *         engine cannot compile it
     */
    static CompiledStep of(List<Layer> layers, Block model, LossType lossType, Shape outputShape,
                           ResumableOptimizer.FusedUpdate update, NDManager manager) {
        if (!Boolean.parseBoolean(System.getProperty(SWITCH, "true")) || layers == null
                || !(update instanceof FusedAdam adam) || !(model instanceof SequentialBlock sequential)) {
            return null;
        }
        boolean crossEntropy = lossType != LossType.MSE;
        if (crossEntropy && outputShape.dimension() != 2) {
            return null;
        }
        ScriptedModel scripted = ScriptedModel.of(layers, sequential);
        // The update's lists are the trainable parameters in the model's order; the script must index the same.
        if (scripted == null || !sameParameters(scripted, adam)) {
            return null;
        }
        try {
            return new CompiledStep(TorchScriptModule.load((PtNDManager) manager, "CompiledStep",
                    source(scripted, adam, crossEntropy)), adam, crossEntropy);
        } catch (EngineException | ClassCastException e) {
            LOG.warn("no compiled step on this engine, stepping by DJL's operations: {}", e.toString());
            return null;
        }
    }

    private static boolean sameParameters(ScriptedModel scripted, FusedAdam adam) {
        if (scripted.parameters().size() != adam.parameters().size()) {
            return false;
        }
        for (int i = 0; i < scripted.parameters().size(); i++) {
            if (scripted.parameters().get(i) != adam.parameters().get(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The step's TorchScript: the batch, its labels, and the update's state as four lists (the
     * weights, which the forward pass indexes, the first and second moments, the step counters), and the learning rate.
     */
    static String source(ScriptedModel model, FusedAdam adam, boolean crossEntropy) {
        // No autograd: the gradients are the model's backward statements (ScriptedModel says why).
        StringBuilder body = new StringBuilder("torch.set_grad_enabled(False)\n");
        body.append(adam.hyperparameters().statements());
        body.append(model.forward());
        body.append(FusedLoss.statementsWithGradient(crossEntropy, ScriptedModel.OUTPUT, ScriptedModel.OUTPUT_GRADIENT));
        body.append(model.backward());
        body.append("""
                %s
                finite = bool(torch.isfinite(loss)) and not bool(found_inf)
                if finite:
                  torch._foreach_add_(steps, 1.)
                  %s
                applied = torch.full([], float(finite), device=loss.device)
                # The lists are read after the update because libtorch's dead-code elimination takes the
                # in-place list operations to write to lists made here, not to the arrays in them, and
                # drops them where the lists are not used again (the update then silently never happens).
                return torch.stack([torch.detach(loss), correct, applied, steps[0], torch.sum(exp_avg_sqs[-1])])
                """.formatted(FusedAdam.CHECK.strip(), FusedAdam.UPDATE));
        return String.format(Locale.ROOT, """
                class CompiledStep(Module):
                  __parameters__ = []
                  __buffers__ = []
                  def forward(self: __torch__.CompiledStep, %s: Tensor, labels: Tensor, %s: List[Tensor], exp_avgs: List[Tensor], exp_avg_sqs: List[Tensor], steps: List[Tensor], lr: float) -> Tensor:
                %s""", ScriptedModel.INPUT, ScriptedModel.PARAMETERS, body.toString().indent(4));
    }

    /**
     * One step on a batch: applied only where the loss and every gradient are finite.
     */
    Outcome run(NDArray data, NDArray labels) {
        // Run by libtorch's plain interpreter: its profiling executor checks every one of the step's inputs on every
        // call and has nothing to fuse on a CPU (regression's step 7-20 % faster without it). The
        // setting belongs to the calling thread and is put back after the call.
        float[] figures;
        try (IValue x = IValue.from((PtNDArray) data); IValue y = IValue.from((PtNDArray) labels)) {
            arguments[0] = x;
            arguments[1] = y;
            arguments[arguments.length - 1] = adam.learningRateArgument();
            JniUtils.setGraphExecutorOptimize(false);
            try (IValue result = IValueUtils.runMethod(module, "forward", arguments)) {
                PtNDArray out = result.toTensor((PtNDManager) data.getManager());
                try {
                    figures = out.toFloatArray();
                } finally {
                    out.close();
                }
            } finally {
                JniUtils.setGraphExecutorOptimize(ENGINE_GRAPH_OPTIMIZER);
                arguments[0] = null;
                arguments[1] = null;
                arguments[arguments.length - 1] = null;
            }
        }
        boolean applied = figures[2] != 0;
        if (applied) {
            int steps = adam.countStep();
            // The engine's own count of the updates must follow ours: a step compiled away would leave it behind.
            if (steps < 1 << 24 && figures[3] != steps) {
                throw new IllegalStateException("the compiled step counted " + figures[3] + " updates where " + steps
                        + " were applied");
            }
        }
        return new Outcome(applied, figures[0], crossEntropy ? (long) figures[1] : -1);
    }

    @Override
    public void close() {
        module.close();
    }
}
