package dev.trainingplatform.ml.model;

import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.Layer;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.ml.JobRejectedException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Built-in models, written in the same layer vocabulary users can send themselves. A job names one
 * with {@code model.preset}; checkpoints carry the expanded layer list.
 */
public final class Presets {

    private static final Map<String, List<Layer>> PRESETS = new LinkedHashMap<>();

    static {
        // Workload 3: rescale to [0,1], flatten, Dense 784->128, ReLU, Dense 128->10 (logits).
        PRESETS.put("fashion-mnist-mlp", List.of(
                layer("rescale", "scale", 1.0 / 255),
                layer("flatten"),
                layer("dense", "units", 128L),
                layer("relu"),
                layer("dense", "units", 10L)));

        // Workload 1: 3 x [Conv1D 64, kernel 3, SAME -> LayerNorm over channels (eps 1e-3) -> ReLU],
        // global average pooling over time, Dense 2 (logits).
        List<Layer> forda = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            forda.add(layer("conv1d", "filters", 64L, "kernelSize", 3L, "padding", "same"));
            forda.add(layer("layerNorm", "epsilon", 1e-3));
            forda.add(layer("relu"));
        }
        forda.add(layer("globalPool", "mode", "avg"));
        forda.add(layer("dense", "units", 2L));
        PRESETS.put("forda-cnn", List.copyOf(forda));

        // Workload 4: 1 -> 10 -> 10 -> 10 -> 1, tanh between, He-normal weights and biases of 1.
        List<Layer> regression = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            regression.add(layer("dense", "units", 10L, "init", "heNormal", "biasInit", 1.0));
            regression.add(layer("tanh"));
        }
        regression.add(layer("dense", "units", 1L, "init", "heNormal", "biasInit", 1.0));
        PRESETS.put("regression-mlp", List.copyOf(regression));

        // Workload 2: token + position embeddings, one post-norm transformer block (2 heads, 32
        // features, feed-forward 32, dropout 0.1, eps 1e-6), mean over tokens, dropout, Dense 20
        // ReLU, dropout, Dense 2 (logits). Dropout is active in training only.
        PRESETS.put("imdb-transformer", List.of(
                layer("tokenAndPositionEmbedding", "vocabularySize", 20_000L, "maxLength", 200L, "dim", 32L),
                layer("transformerBlock", "heads", 2L, "dim", 32L, "feedForward", 32L, "dropout", 0.1, "epsilon", 1e-6),
                layer("globalPool", "mode", "avg"),
                layer("dropout", "rate", 0.1),
                layer("dense", "units", 20L),
                layer("relu"),
                layer("dropout", "rate", 0.1),
                layer("dense", "units", 2L)));

        // Workload 5: augmentation (training only), per-channel normalisation, Conv 32 3x3 -> ReLU ->
        // avg-pool 2 -> Conv 64 3x3 -> ReLU -> avg-pool 2 -> Dense 256 -> ReLU -> Dense 10. The
        // convolutions pad SAME and kernels start LeCun normal, as Flax's nn.Conv and nn.Dense do by
        // default; the flatten lets the channels vary fastest, as the tutorial's reshape of Flax's
        // (batch, height, width, channels) arrays does.
        PRESETS.put("cifar10-cnn", List.of(
                layer("randomFlip"),
                layer("randomResizedCrop", "scaleMin", 0.8, "scaleMax", 1.0, "ratioMin", 0.9, "ratioMax", 1.1),
                layer("rescale", "scale", 1.0 / 255),
                layer("normalize", "mean", List.of(0.4914, 0.4822, 0.4465), "std", List.of(0.2470, 0.2435, 0.2616)),
                layer("conv2d", "filters", 32L, "kernelSize", 3L, "padding", "same", "init", "lecunNormal"),
                layer("relu"),
                layer("pool", "mode", "avg", "size", 2L),
                layer("conv2d", "filters", 64L, "kernelSize", 3L, "padding", "same", "init", "lecunNormal"),
                layer("relu"),
                layer("pool", "mode", "avg", "size", 2L),
                layer("flatten", "order", "channelsLast"),
                layer("dense", "units", 256L, "init", "lecunNormal"),
                layer("relu"),
                layer("dense", "units", 10L, "init", "lecunNormal")));
    }

    private Presets() {}

    public static List<String> names() {
        return List.copyOf(PRESETS.keySet());
    }

    /** The layer list of a model spec: the preset's, or the spec's own. */
    public static ModelSpec resolve(ModelSpec spec) {
        if (spec == null) {
            throw new JobRejectedException(ErrorCode.INVALID_JOB, "the job has no model");
        }
        boolean hasLayers = spec.getLayers() != null && !spec.getLayers().isEmpty();
        if (spec.getPreset() != null && hasLayers) {
            throw new JobRejectedException(ErrorCode.INVALID_MODEL,
                    "the model names preset '" + spec.getPreset() + "' and also lists layers; give one of the two");
        }
        if (spec.getPreset() == null) {
            if (!hasLayers) {
                throw new JobRejectedException(ErrorCode.INVALID_MODEL,
                        "the model has neither a preset nor layers; presets: " + String.join(", ", names()));
            }
            return spec;
        }
        List<Layer> layers = PRESETS.get(spec.getPreset());
        if (layers == null) {
            throw new JobRejectedException(ErrorCode.UNKNOWN_PRESET, "unknown model preset '" + spec.getPreset()
                    + "'; presets: " + String.join(", ", names()));
        }
        return ModelSpec.newBuilder().setPreset(spec.getPreset()).setLayers(copy(layers)).build();
    }

    private static List<Layer> copy(List<Layer> layers) {
        List<Layer> out = new ArrayList<>();
        for (Layer l : layers) {
            out.add(Layer.newBuilder(l).setArgs(new LinkedHashMap<>(l.getArgs())).build());
        }
        return out;
    }

    /** A layer from alternating argument names and values, e.g. layer("dense", "units", 128L). */
    public static Layer layer(String type, Object... nameValues) {
        Map<String, Object> args = new LinkedHashMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            args.put((String) nameValues[i], nameValues[i + 1]);
        }
        return Layer.newBuilder().setType(type).setArgs(args).build();
    }
}
