package dev.trainingplatform.ml.export;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import dev.trainingplatform.ml.TorchScriptModule;
import dev.trainingplatform.ml.eval.CheckpointEvaluation;
import dev.trainingplatform.ml.model.InferenceScript;
import dev.trainingplatform.ml.model.ModelFactory;

/**
 * A checkpoint as a TorchScript file that PyTorch ({@code torch.jit.load}), DJL and anything built on
 * libtorch run without this platform: the model rebuilt from the checkpoint's layer list, its
 * parameters loaded with every check the evaluator makes, then written as one inference module
 * (InferenceScript). The module takes a float32 batch, batch axis first, each sample shaped as the job's
 * data set gives it, and returns what the evaluator scores: logits per class, or the regression value.
 */
public final class ModelExport {

    private ModelExport() {}

    /**
     * @param torchScript the module file's bytes
     * @param inputShape  one sample's shape, without the batch axis
     * @param outputShape one sample's output shape
     */
    public record Exported(byte[] torchScript, Shape inputShape, Shape outputShape) {}

    /**
     * @param inputShape one sample's shape, without the batch axis, as the job's data set gives it
     */
    public static Exported of(CheckpointEvaluation.Claim checkpoint, Shape inputShape, int maxLayers,
                              long maxParameters) {
        try (Model model = Model.newInstance("export", Device.cpu())) {
            ModelFactory.BuiltModel built = CheckpointEvaluation.load(checkpoint, inputShape, maxLayers, maxParameters,
                    model);
            InferenceScript script = InferenceScript.of(checkpoint.layers(), built.block(), inputShape);
            return new Exported(TorchScriptModule.archive(script), inputShape, built.outputShape());
        }
    }
}
