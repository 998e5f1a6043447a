package dev.trainingplatform.bench;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import dev.trainingplatform.contract.Layer;
import dev.trainingplatform.ml.model.ModelFactory;
import java.util.List;

/**
 * The arithmetic of one training step of a model, per sample: the multiply-adds of its matrix work
 * (dense layers, convolutions, the transformer block's projections and attention), forward and
 * backward, counted from the layer list and the shapes each layer receives. What a roofline compares
 * with the machine's measured GEMM rate: element-wise layers (activations, pooling, normalization) and
 * the optimizer's update are left out, as they move memory rather than multiply, which is where the
 * rest of a step's time goes.
 *
 * <p>Backward: a layer with weights computes its weights' gradient (as many multiply-adds as its
 * forward pass) and its input's gradient (as many again), except the first such layer, whose input
 * (the data) needs none. The attention's two batched products have no weights and need both operands'
 * gradients: twice their forward work.
 */
public final class ModelFlops {

    /** Forward and training (forward + backward) multiply-adds for one sample. */
    public record Count(long forwardMacs, long trainingMacs) {
        /** Floating-point operations of one training step per sample: two per multiply-add. */
        public long trainingFlops() {
            return 2 * trainingMacs;
        }
    }

    private ModelFlops() {}

    public static Count of(List<Layer> layers, Shape sampleShape) {
        ModelFactory.BuiltModel built = ModelFactory.build(layers, sampleShape);
        List<Block> blocks = built.block().getChildren().values();
        Shape in = sampleShape;
        long forward = 0;
        long training = 0;
        boolean firstWithWeights = true;
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            Block block = blocks.get(i);
            Shape out = block.getOutputShapes(new Shape[] {new Shape(1).addAll(in)})[0].slice(1);
            long weighted = 0;
            long unweighted = 0;
            switch (layer.getType()) {
                case "dense" -> weighted = in.get(0) * out.get(0);
                case "conv1d", "conv2d" -> {
                    long kernel = arg(layer, "kernelSize");
                    long window = layer.getType().equals("conv1d") ? kernel : kernel * kernel;
                    weighted = out.size() * in.get(0) * window; // out positions x filters x in channels x window
                }
                case "transformerBlock" -> {
                    long heads = arg(layer, "heads");
                    long dim = arg(layer, "dim");
                    long ff = arg(layer, "feedForward");
                    long length = in.get(1);
                    weighted = 3 * length * dim * heads * dim   // query, key, value
                            + length * heads * dim * dim        // output projection
                            + 2 * length * dim * ff;            // feed-forward
                    unweighted = 2 * heads * length * length * dim; // scores and context
                }
                default -> { }
            }
            forward += weighted + unweighted;
            if (weighted > 0) {
                training += (firstWithWeights ? 2 : 3) * weighted;
                firstWithWeights = false;
            }
            training += 3 * unweighted;
            if (layer.getType().equals("tokenAndPositionEmbedding")) {
                firstWithWeights = false; // its table has weights: the layers after it need input gradients
            }
            in = out;
        }
        return new Count(forward, training);
    }

    private static long arg(Layer layer, String name) {
        return ((Number) layer.getArgs().get(name)).longValue();
    }
}
