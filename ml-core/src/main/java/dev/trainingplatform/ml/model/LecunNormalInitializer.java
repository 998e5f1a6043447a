package dev.trainingplatform.ml.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;

/**
 * LeCun normal: a normal distribution truncated at two standard deviations, scaled so that the
 * variance is 1 / fan-in. It is Flax's default for {@code nn.Dense} and {@code nn.Conv} kernels (the
 * tutorials' framework); DJL's default is He normal, whose variance is twice as large.
 *
 * <p>Written here because DJL's PyTorch engine has no truncated normal: out-of-range draws are
 * redrawn until none is left, which is what truncation means.
 */
public final class LecunNormalInitializer implements Initializer {

    /** Standard deviation of a unit normal truncated to (-2, 2), as Flax corrects for it. */
    private static final double TRUNCATED_STD = 0.87962566103423978;

    @Override
    public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
        long fanIn = shape.dimension() < 2 ? shape.size() : shape.size() / shape.get(0);
        float std = (float) (Math.sqrt(1.0 / fanIn) / TRUNCATED_STD);
        try (NDManager scratch = manager.newSubManager()) {
            NDArray draws = scratch.randomNormal(0f, 1f, shape, DataType.FLOAT32);
            NDArray outside = draws.abs().gte(2f);
            while (outside.any().getBoolean()) {
                draws = NDArrays.where(outside, scratch.randomNormal(0f, 1f, shape, DataType.FLOAT32), draws);
                outside = draws.abs().gte(2f);
            }
            NDArray result = draws.mul(std).toType(dataType, false);
            result.attach(manager);
            return result;
        }
    }
}
