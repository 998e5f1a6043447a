package dev.trainingplatform.ml.eval;

import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.Layer;
import dev.trainingplatform.contract.LossType;
import dev.trainingplatform.ml.DjlRuntime;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.data.LoadedDataset;
import dev.trainingplatform.ml.model.ModelFactory;
import dev.trainingplatform.ml.checkpoint.ModelParameters;
import java.util.ArrayList;
import java.util.List;

/**
 * Rebuilds a model from its layer list, loads checkpointed parameters and evaluates the test split.
 * A checkpoint is a claim from outside: its parameter count must fit the bytes it carries before
 * anything is built, the layer list may not declare more, and every loaded parameter must have the
 * shape its layer expects.
 */
public final class CheckpointEvaluation {

    private CheckpointEvaluation() {}

    /** What a checkpoint claims: its layer list, loss, parameter count and parameter bytes. */
    public record Claim(List<Layer> layers, LossType loss, long parameterCount, byte[] parameters) {}

    public static TestSetEvaluation.Outcome evaluate(Claim claim, LoadedDataset data, int batchSize, int maxLayers,
                                                     long maxParameters) {
        try (Model model = Model.newInstance("evaluation", DjlRuntime.device())) {
            ModelFactory.BuiltModel built = load(claim, data.test().sampleShape(), maxLayers, maxParameters, model);
            ModelOutput.check(claim.loss(), built, data);
            return TestSetEvaluation.run(built.block(), Losses.of(claim.loss()), data.test(), batchSize,
                    data.classNames().size(), model.getNDManager());
        }
    }

    /**
     * Builds the claimed model for samples of shape {@code sample} and loads the checkpoint's parameters
     * into it, in {@code model}'s manager (which becomes the block's model), checking every claim first.
     */
    public static ModelFactory.BuiltModel load(Claim claim, Shape sample, int maxLayers, long maxParameters,
                                               Model model) {
        ModelFactory.checkLayerCount(claim.layers(), maxLayers);
        if (claim.parameterCount() < 0 || claim.parameterCount() > claim.parameters().length / Float.BYTES) {
            throw invalid("the checkpoint claims " + claim.parameterCount() + " parameters but carries "
                    + claim.parameters().length + " bytes of them (4 bytes each)");
        }
        ModelFactory.BuiltModel built;
        try {
            built = ModelFactory.build(claim.layers(), sample, maxLayers, Math.min(maxParameters, claim.parameterCount()));
        } catch (JobRejectedException e) {
            if (e.code() == ErrorCode.LIMIT_EXCEEDED && claim.parameterCount() < maxParameters) {
                throw invalid("the layer list does not match the parameters: " + e.getMessage().replace(
                        "this service's limit of", "the checkpoint's parameterCount of"));
            }
            throw e;
        }
        if (built.parameterCount() != claim.parameterCount()) {
            throw invalid("the layer list declares " + built.parameterCount() + " parameters but the checkpoint's "
                    + "parameterCount is " + claim.parameterCount());
        }
        model.setBlock(built.block());
        built.block().initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1).addAll(sample));
        List<List<Shape>> expected = parameterShapes(built.block());
        ModelParameters.load(built.block(), claim.parameters(), model.getNDManager());
        checkShapes(claim.layers(), expected, parameterShapes(built.block()));
        return built;
    }

    /** Each layer's parameter shapes, in the order the layer list gives the layers. */
    private static List<List<Shape>> parameterShapes(Block model) {
        List<List<Shape>> shapes = new ArrayList<>();
        for (Pair<String, Block> layer : model.getChildren()) {
            List<Shape> own = new ArrayList<>();
            for (Pair<String, Parameter> p : layer.getValue().getParameters()) {
                own.add(p.getValue().getArray().getShape());
            }
            shapes.add(own);
        }
        return shapes;
    }

    /** DJL's parameter stream replaces each array whatever its shape: a dense 64 took dense-128 weights. */
    private static void checkShapes(List<Layer> layers, List<List<Shape>> expected, List<List<Shape>> loaded) {
        for (int i = 0; i < expected.size(); i++) {
            if (!expected.get(i).equals(loaded.get(i))) {
                throw invalid("layer " + i + " (" + layers.get(i).getType() + ") expects parameters of shapes "
                        + expected.get(i) + " but the checkpoint carries " + loaded.get(i));
            }
        }
    }

    private static JobRejectedException invalid(String message) {
        return new JobRejectedException(ErrorCode.CHECKPOINT_INVALID, message);
    }
}
