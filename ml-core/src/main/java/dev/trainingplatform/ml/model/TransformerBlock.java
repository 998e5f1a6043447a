package dev.trainingplatform.ml.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * One post-norm transformer encoder block, as in the Keras transformer tutorial:
 * multi-head self-attention (key size = dim per head, as Keras' MultiHeadAttention(key_dim=dim)) ->
 * dropout -> LayerNorm(x + attention) -> Dense(feedForward, ReLU) -> Dense(dim) -> dropout ->
 * LayerNorm(previous + feed-forward). Takes and returns channels-first (dim, length) sequences.
 */
final class TransformerBlock extends AbstractBlock {

    private final int heads;
    private final long dim;
    private final Linear query;
    private final Linear key;
    private final Linear value;
    private final Linear output;
    private final Dropout attentionDropout;
    private final LayerNorm norm1;
    private final Linear feedForward;
    private final Linear feedForwardOut;
    private final Dropout feedForwardDropout;
    private final LayerNorm norm2;

    TransformerBlock(int heads, long dim, long feedForwardUnits, float dropout, float epsilon) {
        this.heads = heads;
        this.dim = dim;
        query = addChildBlock("query", Linear.builder().setUnits(heads * dim).build());
        key = addChildBlock("key", Linear.builder().setUnits(heads * dim).build());
        value = addChildBlock("value", Linear.builder().setUnits(heads * dim).build());
        output = addChildBlock("output", Linear.builder().setUnits(dim).build());
        attentionDropout = addChildBlock("attentionDropout", Dropout.builder().optRate(dropout).build());
        norm1 = addChildBlock("norm1", LayerNorm.builder().axis(2).optEpsilon(epsilon).build());
        feedForward = addChildBlock("feedForward", Linear.builder().setUnits(feedForwardUnits).build());
        feedForwardOut = addChildBlock("feedForwardOut", Linear.builder().setUnits(dim).build());
        feedForwardDropout = addChildBlock("feedForwardDropout", Dropout.builder().optRate(dropout).build());
        norm2 = addChildBlock("norm2", LayerNorm.builder().axis(2).optEpsilon(epsilon).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow().transpose(0, 2, 1); // (N, T, D)
        long n = x.getShape().get(0);
        long t = x.getShape().get(1);
        NDArray q = heads(query.forward(store, new NDList(x), training).singletonOrThrow(), n, t);
        NDArray k = heads(key.forward(store, new NDList(x), training).singletonOrThrow(), n, t);
        NDArray v = heads(value.forward(store, new NDList(x), training).singletonOrThrow(), n, t);
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).div(Math.sqrt(dim));
        NDArray context = scores.softmax(-1).matMul(v)          // (N, H, T, dim)
                .transpose(0, 2, 1, 3).reshape(n, t, heads * dim);
        NDArray attention = output.forward(store, new NDList(context), training).singletonOrThrow();
        attention = attentionDropout.forward(store, new NDList(attention), training).singletonOrThrow();
        NDArray out1 = norm1.forward(store, new NDList(x.add(attention)), training).singletonOrThrow();
        NDArray ff = feedForward.forward(store, new NDList(out1), training).singletonOrThrow();
        ff = ai.djl.nn.Activation.relu(ff);
        ff = feedForwardOut.forward(store, new NDList(ff), training).singletonOrThrow();
        ff = feedForwardDropout.forward(store, new NDList(ff), training).singletonOrThrow();
        NDArray out2 = norm2.forward(store, new NDList(out1.add(ff)), training).singletonOrThrow();
        return new NDList(out2.transpose(0, 2, 1));
    }

    /**
     * The block's inference pass as TorchScript statements (InferenceScript): the operations of
     * {@link #forwardInternal} outside training (dropout is the identity), on a (N, dim, length) input
     * {@code in}; returns the expression of the output.
     */
    static String inference(Block block, long heads, long dim, long length, String epsilon, InferenceScript s,
                            String in) {
        String x = s.let(InferenceScript.call("torch.permute", in, "[0, 2, 1]"));
        String[] qkv = new String[3];
        String[] names = {"query", "key", "value"};
        for (int i = 0; i < 3; i++) {
            String projected = linear(block, names[i], s, x);
            qkv[i] = s.let(InferenceScript.call("torch.permute", InferenceScript.call("torch.reshape", projected,
                    InferenceScript.ints(-1, length, heads, dim)), "[0, 2, 1, 3]"));
        }
        String keysT = InferenceScript.call("torch.permute", qkv[1], "[0, 1, 3, 2]");
        String scores = s.let(InferenceScript.call("torch.div", InferenceScript.call("torch.matmul", qkv[0], keysT),
                ScriptedModel.literal(Math.sqrt(dim))));
        String context = s.let(InferenceScript.call("torch.reshape", InferenceScript.call("torch.permute",
                        InferenceScript.call("torch.matmul", InferenceScript.call("torch.softmax", scores, -1), qkv[2]),
                        "[0, 2, 1, 3]"), InferenceScript.ints(-1, length, heads * dim)));
        String attention = s.let(linear(block, "output", s, context));
        String out1 = s.let(norm(block, "norm1", dim, epsilon, s, InferenceScript.call("torch.add", x, attention)));
        String hidden = s.let(InferenceScript.call("torch.relu", linear(block, "feedForward", s, out1)));
        String ff = s.let(linear(block, "feedForwardOut", s, hidden));
        String out2 = s.let(norm(block, "norm2", dim, epsilon, s, InferenceScript.call("torch.add", out1, ff)));
        return InferenceScript.call("torch.permute", out2, "[0, 2, 1]");
    }

    private static String linear(Block block, String child, InferenceScript s, String in) {
        return InferenceScript.call("torch.linear", in, s.parameter(block, child + "_weight"),
                s.parameter(block, child + "_bias"));
    }

    private static String norm(Block block, String child, long dim, String epsilon, InferenceScript s, String in) {
        return InferenceScript.call("torch.layer_norm", in, InferenceScript.ints(dim), s.parameter(block, child + "_gamma"),
                s.parameter(block, child + "_beta"), epsilon);
    }

    /** (N, T, H * dim) to (N, H, T, dim). */
    private NDArray heads(NDArray projected, long n, long t) {
        return projected.reshape(n, t, heads, dim).transpose(0, 2, 1, 3);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape in = inputShapes[0];
        Shape sequence = new Shape(in.get(0), in.get(2), in.get(1)); // (N, T, D)
        query.initialize(manager, dataType, sequence);
        key.initialize(manager, dataType, sequence);
        value.initialize(manager, dataType, sequence);
        output.initialize(manager, dataType, new Shape(in.get(0), in.get(2), heads * dim));
        attentionDropout.initialize(manager, dataType, sequence);
        norm1.initialize(manager, dataType, sequence);
        feedForward.initialize(manager, dataType, sequence);
        feedForwardOut.initialize(manager, dataType, feedForward.getOutputShapes(new Shape[] {sequence}));
        feedForwardDropout.initialize(manager, dataType, sequence);
        norm2.initialize(manager, dataType, sequence);
    }
}
