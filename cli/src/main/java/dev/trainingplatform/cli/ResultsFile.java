package dev.trainingplatform.cli;

import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.EvaluationResult;
import dev.trainingplatform.contract.TrainingJob;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.JsonEncoder;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/** A benchmark's record: the job, every epoch's metrics and the evaluations, as Avro JSON. */
final class ResultsFile {

    private ResultsFile() {}

    static void write(Path file, TrainingJob job, List<EpochMetrics> history, List<EvaluationResult> evaluations)
            throws IOException {
        StringBuilder json = new StringBuilder("{\n  \"job\": ").append(json(job));
        json.append(",\n  \"history\": [");
        for (int i = 0; i < history.size(); i++) {
            json.append(i == 0 ? "\n    " : ",\n    ").append(json(history.get(i)));
        }
        json.append("\n  ],\n  \"evaluations\": [");
        for (int i = 0; i < evaluations.size(); i++) {
            json.append(i == 0 ? "\n    " : ",\n    ").append(json(evaluations.get(i)));
        }
        json.append("\n  ]\n}\n");
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        Files.writeString(file, json, StandardCharsets.UTF_8);
    }

    static String json(SpecificRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JsonEncoder encoder = EncoderFactory.get().jsonEncoder(record.getSchema(), out);
        new SpecificDatumWriter<SpecificRecord>(record.getSchema()).write(record, encoder);
        encoder.flush();
        return out.toString(StandardCharsets.UTF_8);
    }
}
