package dev.trainingplatform.ml.train.step;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import dev.trainingplatform.contract.LossType;
import dev.trainingplatform.ml.TorchScriptModule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A training batch's loss, and what the epoch's figures need from the batch (the loss's value and,
 * for a classifier, how many predictions were right), in one engine call: PyTorch's own
 * {@code cross_entropy} / {@code mse_loss} kernels, with the gradient recorded for the backward pass.
 *
 * <p>Why: on a small model a step is mostly per-operation overhead, and DJL composes the same loss
 * from several operations (log-softmax, a pick through a reshaped, type-converted index, negation,
 * mean), then its accuracy evaluator makes five more (arg-max, two conversions, comparison, count)
 * and a second read. Here it is one call and one read, and the backward pass has two nodes instead of
 * five (docs/performance.md has what it bought). The values are DJL's own losses' (SoftmaxCrossEntropy
 * from logits with sparse labels, and L2 with weight 1: the mean squared error), which the test-set
 * evaluation still uses; FusedLossTest holds the two equal.
 */
final class FusedLoss implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FusedLoss.class);

    /**
     * TorchScript statements that set {@code loss} and {@code correct} (the count of right arg-maxes as
     * a float; zero for the mean squared error) from the tensor named {@code p} and a
     * {@code labels} tensor: cross-entropy from logits (batch, classes) and class indices, or the mean
     * squared error with the labels laid out as the predictions.
     */
    static String statements(boolean crossEntropy, String p) {
        return crossEntropy
                ? "target = torch.reshape(labels, [-1]).long()\n"
                        + "loss = torch.cross_entropy_loss(" + p + ", target, None, 1, -100, 0.)\n"
                        + "correct = torch.sum(torch.eq(torch.argmax(" + p + ", 1), target)).float()\n"
                : "loss = torch.mse_loss(" + p + ", torch.reshape(labels, torch.size(" + p + ")), 1)\n"
                        + "correct = torch.zeros_like(loss)\n";
    }

    /**
     * What {@link #statements} sets, computed as the same kernels compute it (the cross-entropy is a
     * log-softmax and a negative log-likelihood), and besides {@code gradient}: the gradient of
     * {@code loss} with respect to {@code p}, by the kernels autograd's backward pass calls for them.
     * For a step that runs without autograd (ScriptedModel's backward).
     */
    static String statementsWithGradient(boolean crossEntropy, String p, String gradient) {
        return crossEntropy
                ? "target = torch.reshape(labels, [-1]).long()\n"
                        + "log_p = torch.log_softmax(" + p + ", 1)\n"
                        + "nll = torch.nll_loss_forward(log_p, target, None, 1, -100)\n"
                        + "loss = nll[0]\n"
                        + "correct = torch.sum(torch.eq(torch.argmax(" + p + ", 1), target)).float()\n"
                        + gradient + " = torch._log_softmax_backward_data(torch.nll_loss_backward(torch.ones_like(loss), "
                        + "log_p, target, None, 1, -100, nll[1]), log_p, 1, log_p.dtype)\n"
                : "target = torch.reshape(labels, torch.size(" + p + "))\n"
                        + "loss = torch.mse_loss(" + p + ", target, 1)\n"
                        + "correct = torch.zeros_like(loss)\n"
                        + gradient + " = torch.mse_loss_backward(torch.ones_like(loss), " + p + ", target, 1)\n";
    }

    private static String source(boolean crossEntropy) {
        return """
                class FusedLoss(Module):
                  __parameters__ = []
                  __buffers__ = []
                  def forward(self: __torch__.FusedLoss, predictions: Tensor, labels: Tensor) -> Tuple[Tensor, Tensor]:
                %s    return (loss, torch.stack([torch.detach(loss), correct]))
                """.formatted(statements(crossEntropy, "predictions").indent(4));
    }

    /**
     * The batch's loss (part of the recorded graph), its value and the count of right predictions
     * (-1 for a loss that does not count them).
     */
    record Evaluation(NDArray loss, float value, long correct) {}

    private final PtSymbolBlock module;
    private final boolean crossEntropy;

    private FusedLoss(PtSymbolBlock module, boolean crossEntropy) {
        this.module = module;
        this.crossEntropy = crossEntropy;
    }

    /**
     * @param outputShape the model's output for a batch
     * @return the fused form of {@code type} for this output, or null where there is none (an output
     *         other than (batch, classes) for cross-entropy), and the step composes DJL's loss instead
     */
    static FusedLoss of(LossType type, Shape outputShape, NDManager manager) {
        boolean crossEntropy = type != LossType.MSE;
        if (crossEntropy && outputShape.dimension() != 2) {
            return null;
        }
        try {
            return new FusedLoss(TorchScriptModule.load((PtNDManager) manager, "FusedLoss", source(crossEntropy)),
                    crossEntropy);
        } catch (EngineException | ClassCastException e) {
            LOG.warn("no fused loss on this engine, composing DJL's: {}", e.toString());
            return null;
        }
    }

    /** Records the loss for the backward pass when called inside a gradient collector. */
    Evaluation evaluate(NDArray predictions, NDArray labels) {
        NDList out = IValueUtils.forward(module, new NDList(predictions, labels), true);
        float[] figures = out.get(1).toFloatArray();
        return new Evaluation(out.get(0), figures[0], crossEntropy ? (long) figures[1] : -1);
    }

    @Override
    public void close() {
        module.close();
    }
}
