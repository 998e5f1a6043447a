package dev.trainingplatform.ml.train;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.core.Linear;
import ai.djl.util.Pair;
import dev.trainingplatform.ml.DjlRuntime;

/**
 * How many intra-op threads train a job: one for a small batch, all of them otherwise.
 *
 * <p>libtorch forks and joins its OpenMP team for every operation it splits (every matrix product
 * and every update of a large parameter), and on a batch of a few million multiply-adds that costs
 * more than the second core gives back: Fashion-MNIST's MLP at batch 32 trains at 23 000-30 000
 * samples/s on one thread of this 2-core machine and at 15 000-20 000 on two, and the same holds up to
 * batch 256 (26 million multiply-adds); FordA's CNN (1.6 billion) trains 1.5x faster on two
 * (docs/performance.md). PyTorch for Python loses less to the fork and join (its BLAS calls run on one
 * thread), but the choice is ours to make per job, so it is made here rather than left to a
 * process-wide setting that suits one kind of model only.
 *
 * <p>The setting is per thread in libtorch (OpenMP's and MKL's thread counts belong to the calling
 * thread), so it is applied on the thread that trains, at the start of every job. The most threads a
 * job gets is what the engine had before the first job: {@code -Dai.djl.pytorch.num_threads}, or
 * libtorch's default of one per core.
 */
final class IntraOpThreads {

    /** Forward multiply-adds per batch under which one thread trains faster than several. */
    static final long ONE_THREAD_BELOW = 40_000_000L;

    static final String OVERRIDE = "training.intra-op-threads";

    private IntraOpThreads() {}

    /** The threads most a job may use: the engine's count before any job changed it. */
    static int available() {
        return DjlRuntime.configuredIntraOpThreads();
    }

    static int choose(long multiplyAddsPerBatch, int available) {
        return multiplyAddsPerBatch < ONE_THREAD_BELOW ? 1 : available;
    }

    /**
     * Sets the calling thread's intra-op threads for a model initialized for its batch shape, and
     * returns how many. {@code -Dtraining.intra-op-threads=N} overrides the choice (to compare one
     * count with another on the same model).
     */
    static int applyFor(Block initializedModel) {
        Integer forced = Integer.getInteger(OVERRIDE);
        int threads = forced != null && forced > 0 ? forced : choose(multiplyAdds(initializedModel), available());
        DjlRuntime.useIntraOpThreads(threads);
        return threads;
    }

    /**
     * The forward pass's multiply-adds of the dense and convolutional layers, for the input shapes
     * the model was initialized with: each output element of such a layer is one dot product over
     * its weight's fan-in. Attention's own products, normalizations and activations are left out;
     * they are a small share wherever these layers are present.
     */
    static long multiplyAdds(Block block) {
        long total = 0;
        if (block instanceof Linear || block instanceof Convolution) {
            Parameter weight = block.getDirectParameters().get("weight");
            long[] shape = weight.getArray().getShape().getShape();
            long fanIn = weight.getArray().size() / shape[0];
            total += block.getOutputShapes(block.getInputShapes())[0].size() * fanIn;
        }
        for (Pair<String, Block> child : block.getChildren()) {
            total += multiplyAdds(child.getValue());
        }
        return total;
    }
}
