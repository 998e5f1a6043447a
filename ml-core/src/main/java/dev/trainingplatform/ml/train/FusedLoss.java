package dev.trainingplatform.ml.train;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import dev.trainingplatform.contract.LossType;
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

    /** Cross-entropy from logits (batch, classes) and class indices, and the count of right arg-maxes. */
    private static final String CROSS_ENTROPY = """
            class FusedLoss(Module):
              __parameters__ = []
              __buffers__ = []
              def forward(self: __torch__.FusedLoss, predictions: Tensor, labels: Tensor) -> Tuple[Tensor, Tensor]:
                target = torch.reshape(labels, [-1]).long()
                loss = torch.cross_entropy_loss(predictions, target, None, 1, -100, 0.)
                correct = torch.sum(torch.eq(torch.argmax(predictions, 1), target))
                return (loss, torch.stack([torch.detach(loss), correct.float()]))
            """;

    /** The mean squared error, the labels laid out as the predictions. */
    private static final String MEAN_SQUARED_ERROR = """
            class FusedLoss(Module):
              __parameters__ = []
              __buffers__ = []
              def forward(self: __torch__.FusedLoss, predictions: Tensor, labels: Tensor) -> Tuple[Tensor, Tensor]:
                loss = torch.mse_loss(predictions, torch.reshape(labels, torch.size(predictions)), 1)
                return (loss, torch.stack([torch.detach(loss), torch.zeros_like(loss)]))
            """;

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
            return new FusedLoss(TorchScriptModule.load((PtNDManager) manager, "FusedLoss",
                    crossEntropy ? CROSS_ENTROPY : MEAN_SQUARED_ERROR), crossEntropy);
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
