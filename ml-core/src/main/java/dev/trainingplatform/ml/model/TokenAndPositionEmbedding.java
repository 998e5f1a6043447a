package dev.trainingplatform.ml.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.UniformInitializer;
import ai.djl.util.PairList;

/**
 * Token embedding plus a learned position embedding, as the Keras transformer tutorial's
 * TokenAndPositionEmbedding: (length) token ids in, (dim, length) out, channels-first like every
 * other sequence in the layer vocabulary. Ids outside the vocabulary are the caller's error.
 */
final class TokenAndPositionEmbedding extends AbstractBlock {

    private final long length;
    private final long dim;
    private final Parameter tokens;
    private final Parameter positions;

    TokenAndPositionEmbedding(long vocabulary, long length, long dim) {
        this.length = length;
        this.dim = dim;
        // Keras' Embedding initializer: uniform in [-0.05, 0.05].
        tokens = addParameter(Parameter.builder().setName("tokens").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(vocabulary, dim)).optInitializer(new UniformInitializer(0.05f)).build());
        positions = addParameter(Parameter.builder().setName("positions").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(length, dim)).optInitializer(new UniformInitializer(0.05f)).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray ids = inputs.singletonOrThrow();
        NDArray tokenTable = store.getValue(tokens, ids.getDevice(), training);
        NDArray positionTable = store.getValue(positions, ids.getDevice(), training);
        NDArray embedded = Embedding.embedding(ids.toType(DataType.INT64, false), tokenTable, SparseFormat.DENSE)
                .singletonOrThrow();
        // (N, T, D) + (T, D), then channels-first (N, D, T).
        return new NDList(embedded.add(positionTable).transpose(0, 2, 1));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), dim, length)};
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        // No children.
    }
}
