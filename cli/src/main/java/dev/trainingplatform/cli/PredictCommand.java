package dev.trainingplatform.cli;

import dev.trainingplatform.contract.LossType;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.export.PredictionInputs;
import dev.trainingplatform.ml.export.TorchScriptModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "predict", description = {
        "Run a job's model on your own inputs: an IDX file, image files, a text review (IMDB) or a CSV of numbers.",
        "Prints each input's classes with their probabilities, or the predicted value. The model runs as exported",
        "(TorchScript, in DJL), so this is what the exported file computes."})
final class PredictCommand extends KafkaCommand {

    @Mixin
    ModelOptions model;

    @Option(names = "--input", paramLabel = "FILE", required = true, arity = "1..*",
            description = "IDX (gzipped or not), PNG/JPEG/BMP/GIF images, a .txt review for a text model, or a .csv")
    List<Path> inputs;

    @Option(names = "--first", defaultValue = "10",
            description = "samples read from an IDX or CSV file (default: ${DEFAULT-VALUE})")
    int first;

    @Option(names = "--top", defaultValue = "3", description = "classes shown per input (default: ${DEFAULT-VALUE})")
    int top;

    @Override
    public Integer call() {
        if (top < 1) {
            throw new CliException(CliException.INVALID_INPUT, "--top must be at least 1");
        }
        JobModel m = model.load(kafkaOptions.connect());
        PredictionInputs.Samples samples;
        try {
            samples = PredictionInputs.read(inputs, m.exported().inputShape(), m.vocabulary(), first);
        } catch (JobRejectedException e) {
            throw new CliException(CliException.INVALID_INPUT, e.getMessage());
        }
        float[][] outputs;
        try (TorchScriptModel module = new TorchScriptModel(m.exported().torchScript())) {
            outputs = module.run(samples.values(), samples.sample(), samples.count());
        }
        PrintWriter out = out();
        out.println(m.checkpoint().getCheckpointId() + " (epoch " + m.checkpoint().getEpoch() + ")");
        boolean regression = m.checkpoint().getLoss() == LossType.MSE;
        for (int i = 0; i < samples.count(); i++) {
            out.println(samples.names().get(i) + "  " + (regression ? format(outputs[i])
                    : classes(outputs[i], m.classNames(), top)));
        }
        return 0;
    }

    private static String format(float[] values) {
        List<String> parts = new ArrayList<>();
        for (float v : values) {
            parts.add(String.format(Locale.ROOT, "%.6g", v));
        }
        return String.join(" ", parts);
    }

    /** The {@code top} classes by softmax probability: "Trouser 0.981  Dress 0.012  Coat 0.004". */
    static String classes(float[] logits, List<String> names, int top) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
            order.add(i);
        }
        order.sort(Comparator.comparingDouble((Integer i) -> -p[i]).thenComparingInt(i -> i));
        List<String> shown = new ArrayList<>();
        for (int k = 0; k < Math.min(top, order.size()); k++) {
            int c = order.get(k);
            String name = c < names.size() ? names.get(c) : "class " + c;
            shown.add(String.format(Locale.ROOT, "%s %.3f", name, p[c]));
        }
        return String.join("  ", shown);
    }
}
