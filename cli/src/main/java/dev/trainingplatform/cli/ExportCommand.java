package dev.trainingplatform.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "export", description = {
        "Write a job's checkpoint as a TorchScript model that PyTorch (torch.jit.load) and DJL load, with a",
        "model.json beside it (input shape and values, class names, vocabulary, metrics)."})
final class ExportCommand extends KafkaCommand {

    @Mixin
    ModelOptions model;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "model.pt",
            description = "the model file (default: ${DEFAULT-VALUE}); <name>.json and, for text, <name>-vocabulary.txt go beside it")
    Path out;

    @Override
    public Integer call() throws IOException {
        JobModel m = model.load(kafkaOptions.connect());
        Path file = out.toAbsolutePath();
        String stem = file.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        Path card = file.resolveSibling(stem + ".json");
        Files.createDirectories(file.getParent());
        Files.write(file, m.exported().torchScript());
        String vocabularyName = null;
        if (m.vocabulary() != null) {
            Path vocabulary = file.resolveSibling(stem + "-vocabulary.txt");
            Files.write(vocabulary, m.vocabulary().lines(), StandardCharsets.UTF_8);
            vocabularyName = vocabulary.getFileName().toString();
        }
        ModelCard info = ModelCard.of(m, file.getFileName().toString(), vocabularyName);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(card.toFile(), info);
        PrintWriter o = out();
        o.println("exported " + m.checkpoint().getCheckpointId() + " (epoch " + m.checkpoint().getEpoch() + ", attempt "
                + m.checkpoint().getAttempt() + ") to " + file);
        o.println("  input " + info.input().shape() + " float32: " + info.input().values());
        o.println("  output " + info.output().shape() + ": " + info.output().meaning());
        o.println("  described in " + card + (vocabularyName == null ? "" : ", vocabulary in " + vocabularyName));
        o.println("  in Python: " + info.usage().get("python"));
        return 0;
    }
}
