package dev.trainingplatform.cli;

import dev.trainingplatform.contract.Checkpoint;
import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.EvaluationResult;
import dev.trainingplatform.contract.Layer;
import dev.trainingplatform.contract.LossType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code model.json}, written beside an exported model: what a user needs to call it without this
 * platform (the input it takes, what its outputs mean, the class names and vocabulary) and where it
 * came from (job, checkpoint, metrics).
 */
record ModelCard(String file, String format, String jobId, String checkpointId, int attempt, int epoch,
                 boolean finalCheckpoint, String parametersSha256, String dataset, Input input, Output output,
                 List<String> classNames, String vocabulary, Map<String, Double> metrics, Map<String, String> usage) {

    /** @param shape "batch" first, then one sample's shape */
    record Input(List<Object> shape, String dtype, String values, List<String> insideTheModel) {}

    record Output(List<Object> shape, String meaning) {}

    static ModelCard of(JobModel model, String file, String vocabularyFile) {
        Checkpoint c = model.checkpoint();
        List<Object> in = batched(model.exported().inputShape().getShape());
        List<Object> out = batched(model.exported().outputShape().getShape());
        String meaning = c.getLoss() == LossType.MSE ? "the predicted value"
                : "logits, one per class in classNames order (softmax gives probabilities)";
        Map<String, String> usage = new LinkedHashMap<>();
        usage.put("python", "model = torch.jit.load('" + file + "'); model.eval(); y = model(x)  # x: torch.float32 of "
                + "input.shape");
        usage.put("java", "Criteria.builder().setTypes(NDList.class, NDList.class).optModelPath(Path.of(\"" + file
                + "\")).optEngine(\"PyTorch\").build().loadModel()  // DJL");
        return new ModelCard(file, "TorchScript (torch.jit.load; libtorch; DJL's PyTorch engine)", c.getJobId(),
                c.getCheckpointId(), c.getAttempt(), c.getEpoch(), c.getFinalCheckpoint(), c.getParametersSha256(),
                c.getDataset().getName(), new Input(in, "float32", values(c.getDataset().getName()),
                inside(c.getModel().getLayers())), new Output(out, meaning), model.classNames(), vocabularyFile,
                metrics(model), usage);
    }

    private static List<Object> batched(long[] sample) {
        List<Object> shape = new ArrayList<>();
        shape.add("batch");
        for (long d : sample) {
            shape.add(d);
        }
        return shape;
    }

    /** What the values of a sample are, as the job's data set gave them to the model. */
    static String values(String dataset) {
        return switch (dataset) {
            case "fashion-mnist" -> "grayscale pixel values 0..255 (28 rows of 28, as the IDX files hold them; "
                    + "0 is the background)";
            case "cifar10" -> "RGB pixel values 0..255, channels first (the red, green and blue planes of 32 x 32)";
            case "imdb" -> "token ids (as floats): a review lower-cased, Keras' punctuation removed, split on spaces; "
                    + "1 (start) then each word's id in the vocabulary file (2 for a word not in it), the last "
                    + "maxLength ids, padded with 0 on the left";
            case "forda" -> "the series' values as the UCR TSV files hold them, (1 channel, length)";
            case "synthetic-regression" -> "x, one value per sample";
            default -> "as the job's data set '" + dataset + "' gives them";
        };
    }

    /** The preprocessing the module does itself, and the layers that do nothing outside training. */
    private static List<String> inside(List<Layer> layers) {
        List<String> steps = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            switch (l.getType()) {
                case "rescale" -> steps.add("layer " + i + ": x * " + l.getArgs().get("scale")
                        + (l.getArgs().containsKey("offset") ? " + " + l.getArgs().get("offset") : ""));
                case "normalize" -> steps.add("layer " + i + ": (x - mean) / std per channel, mean "
                        + l.getArgs().get("mean") + ", std " + l.getArgs().get("std"));
                case "dropout", "randomFlip", "randomResizedCrop" -> steps.add("layer " + i + " (" + l.getType()
                        + "): training only, the identity here");
                default -> { }
            }
        }
        return steps;
    }

    private static Map<String, Double> metrics(JobModel model) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (EpochMetrics e : model.history().epochs()) {
            if (e.getEpoch() == model.checkpoint().getEpoch()) {
                m.put("trainLoss", e.getTrainLoss());
                putIfSet(m, "trainAccuracy", e.getTrainAccuracy());
                putIfSet(m, "validationLoss", e.getValidationLoss());
                putIfSet(m, "validationAccuracy", e.getValidationAccuracy());
            }
        }
        EvaluationResult r = model.evaluation();
        if (r != null) {
            putIfSet(m, "testLoss", r.getTestLoss());
            putIfSet(m, "testAccuracy", r.getTestAccuracy());
        }
        return m;
    }

    private static void putIfSet(Map<String, Double> m, String name, Double value) {
        if (value != null) {
            m.put(name, value);
        }
    }
}
