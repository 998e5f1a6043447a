package dev.trainingplatform.ml.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.util.Pair;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.Layer;
import dev.trainingplatform.ml.DjlRuntime;
import dev.trainingplatform.ml.JobRejectedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Builds a DJL {@link SequentialBlock} from the contract's layer list. Input tensors are
 * channels-first: (features), (channels, length) or (channels, height, width), batch axis first.
 * Every layer is checked against the shape it receives, so a wrong model is rejected with the
 * offending layer named before any training starts.
 */
public final class ModelFactory {

    /** Every layer type of the vocabulary (LayerKinds holds one class per kind). */
    public static final Set<String> LAYER_TYPES = LayerKinds.TYPES;

    private ModelFactory() {}

    /** A model checked against its input shape: the block (not yet initialized) and what it produces. */
    public record BuiltModel(SequentialBlock block, Shape inputShape, Shape outputShape, long parameterCount) {}

    /**
     * @param inputShape shape of one sample, without the batch axis
     */
    public static BuiltModel build(List<Layer> layers, Shape inputShape) {
        return build(layers, inputShape, Integer.MAX_VALUE, Long.MAX_VALUE);
    }

    /**
     * Refuses a layer list over {@code maxLayers} before looking at a layer, and a model over
     * {@code maxParameters} before the layer that would pass it allocates its parameters: each
     * layer's count comes from its arguments and input shape ({@link #parametersOf}).
     */
    public static BuiltModel build(List<Layer> layers, Shape inputShape, int maxLayers, long maxParameters) {
        checkLayerCount(layers, maxLayers);
        DjlRuntime.engine();
        List<Shape> inputs = new ArrayList<>();
        Shape shape = inputShape;
        long parameters = 0;
        try (NDManager scratch = NDManager.newBaseManager()) {
            for (int i = 0; i < layers.size(); i++) {
                LayerArgs args = new LayerArgs(i, layers.get(i));
                LayerKinds.LayerKind kind = LayerKinds.of(args);
                Block block = kind.build(args, shape);
                args.rejectUnknown();
                long declared = kind.parameters(args, shape);
                if (LayerKinds.sum(parameters, declared) > maxParameters) {
                    throw new JobRejectedException(ErrorCode.LIMIT_EXCEEDED, args.where() + " brings the model to "
                            + LayerKinds.sum(parameters, declared) + " parameters, more than this service's limit of " + maxParameters);
                }
                Shape batched = new Shape(1).addAll(shape);
                Shape out;
                try {
                    block.initialize(scratch, DataType.FLOAT32, batched);
                    out = block.getOutputShapes(new Shape[] {batched})[0];
                    // Some shape errors only show when the engine runs the layer: run it once.
                    NDArray probe = block.forward(new ai.djl.training.ParameterStore(scratch, false),
                            new NDList(scratch.zeros(batched)), false).singletonOrThrow();
                    if (!probe.getShape().equals(out)) {
                        throw new IllegalStateException("produces " + probe.getShape().slice(1)
                                + " where " + out.slice(1) + " was expected");
                    }
                } catch (RuntimeException e) {
                    throw args.invalid("cannot take input of shape " + shape + ": " + e.getMessage());
                }
                for (long d : out.getShape()) {
                    if (d <= 0) {
                        throw args.invalid("input of shape " + shape + " gives an empty output " + out.slice(1));
                    }
                }
                long allocated = 0;
                for (Pair<String, Parameter> p : block.getParameters()) {
                    allocated += p.getValue().getArray().size();
                }
                if (allocated != declared) {
                    // parametersOf and the block disagree: a bug here, never the job's fault.
                    throw new IllegalStateException(args.where() + ": " + allocated + " parameters allocated but "
                            + declared + " declared by ModelFactory.parametersOf");
                }
                parameters += allocated;
                inputs.add(shape);
                shape = out.slice(1);
            }
        }
        // The checked blocks hold parameters in the scratch manager; the model gets fresh ones.
        SequentialBlock model = new SequentialBlock();
        for (int i = 0; i < layers.size(); i++) {
            LayerArgs args = new LayerArgs(i, layers.get(i));
            model.add(LayerKinds.of(args).build(args, inputs.get(i)));
        }
        return new BuiltModel(model, inputShape, shape, parameters);
    }

    /** Refuses an empty layer list and one over {@code maxLayers}, before any layer is looked at. */
    public static void checkLayerCount(List<Layer> layers, int maxLayers) {
        if (layers == null || layers.isEmpty()) {
            throw new JobRejectedException(ErrorCode.INVALID_MODEL, "the model has no layers");
        }
        if (layers.size() > maxLayers) {
            throw new JobRejectedException(ErrorCode.LIMIT_EXCEEDED, "the model has " + layers.size()
                    + " layers, more than this service's limit of " + maxLayers);
        }
    }

    /** Refuses a layer type outside the vocabulary, naming the layer, without building anything. */
    public static void checkLayerTypes(List<Layer> layers) {
        for (int i = 0; i < layers.size(); i++) {
            LayerKinds.of(new LayerArgs(i, layers.get(i)).where(), layers.get(i).getType());
        }
    }
}
