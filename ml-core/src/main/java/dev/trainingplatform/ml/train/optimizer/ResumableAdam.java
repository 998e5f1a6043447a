package dev.trainingplatform.ml.train.optimizer;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adam, weight decay added to the gradient, as {@code torch.optim.Adam} computes it, with resumable
 * moments and step counts: all parameters at once by PyTorch's fused kernel ({@link FusedAdam}), or
 * parameter by parameter by DJL's Adam kernel where the engine has no fused one.
 */
final class ResumableAdam extends ResumableOptimizer {

    private static final Logger LOG = LoggerFactory.getLogger(ResumableAdam.class);

    private float learningRate;
    private FusedAdam fused;
    private final float beta1;
    private final float beta2;
    private final float epsilon;

    ResumableAdam(float learningRate, float beta1, float beta2, float epsilon, float weightDecay) {
        super(weightDecay);
        this.learningRate = learningRate;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
    }

    @Override
    public void setLearningRate(float learningRate) {
        this.learningRate = learningRate;
        if (fused != null) {
            fused.setLearningRate(learningRate);
        }
    }

    @Override
    protected int slotCount() {
        return 2;
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        int t = nextStep(parameterId);
        double coef1 = 1.0 - Math.pow(beta1, t);
        double coef2 = 1.0 - Math.pow(beta2, t);
        float corrected = (float) (learningRate * Math.sqrt(coef2) / coef1);
        // DJL's kernel adds epsilon to sqrt(v) before the bias correction, PyTorch after it:
        // epsilon * sqrt(1 - beta2^t) here is PyTorch's epsilon, so both paths compute the same.
        float djlEpsilon = (float) (epsilon * Math.sqrt(coef2));
        NDArray[] moments = slots(parameterId, weight);
        weight.getNDArrayInternal().adamUpdate(new NDList(weight, grad, moments[0], moments[1]), new NDList(weight),
                learningRate, corrected, getWeightDecay(), rescaleGrad, clipGrad, beta1, beta2, djlEpsilon, true, false);
    }

    @Override
    public FusedUpdate fuse(List<Parameter> parameters) {
        if (parameters.isEmpty() || rescaleGrad != 1f || clipGrad >= 0f) {
            return null;
        }
        try {
            fused = new FusedAdam(this, parameters, learningRate, beta1, beta2, epsilon, getWeightDecay());
            return fused;
        } catch (EngineException | ClassCastException e) {
            LOG.warn("no fused Adam on this engine, updating parameter by parameter: {}", e.toString());
            return null;
        }
    }
}
