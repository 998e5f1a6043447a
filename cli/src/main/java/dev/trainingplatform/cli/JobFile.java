package dev.trainingplatform.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.trainingplatform.contract.SweepRequest;
import dev.trainingplatform.contract.TrainingJob;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;

/**
 * A job written by hand as YAML or JSON, checked field by field against the TrainingJob schema.
 *
 * <p>Avro's own JSON decoder expects unions written as {"double": 0.001} and every field present;
 * people write {@code learningRate: 0.001} and leave defaults out. So the file is walked along the
 * schema here: plain values for unions, defaults for missing fields, enum symbols in any case with
 * '-' for '_', unknown fields rejected. The result is written as Avro binary and read back as a
 * {@link TrainingJob}, so what is sent is exactly what the contract allows.
 */
final class JobFile {

    private JobFile() {}

    static TrainingJob read(Path file) {
        ObjectNode job = tree(file, "TrainingJob");
        if (!job.hasNonNull("jobId")) {
            job.put("jobId", "job-" + Instant.now().toEpochMilli());
        }
        try {
            TrainingJob result = fromTree(job);
            if (result.getSubmittedAt().toEpochMilli() == 0) {
                result.setSubmittedAt(Instant.now());
            }
            return result;
        } catch (IllegalArgumentException e) {
            throw invalid(file, e.getMessage());
        }
    }

    /** A sweep file: SweepRequest fields, {@code job} a mapping of TrainingJob fields (without jobId). */
    static SweepRequest readSweep(Path file) {
        ObjectNode sweep = tree(file, "SweepRequest");
        if (!sweep.hasNonNull("sweepId")) {
            sweep.put("sweepId", "sweep-" + Instant.now().toEpochMilli());
        }
        JsonNode job = sweep.get("job");
        if (job != null && job.isObject() && !job.hasNonNull("jobId")) {
            ((ObjectNode) job).put("jobId", "base"); // each trial gets its own
        }
        try {
            SweepRequest request = fromTree(sweep, SweepRequest.getClassSchema(), SweepRequest.class);
            if (request.getSubmittedAt().toEpochMilli() == 0) {
                request.setSubmittedAt(Instant.now());
            }
            return request;
        } catch (IllegalArgumentException e) {
            throw invalid(file, e.getMessage());
        }
    }

    private static ObjectNode tree(Path file, String record) {
        JsonNode tree;
        try {
            // YAML 1.2 is a superset of JSON: one parser reads both.
            tree = new YAMLMapper().readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw invalid(file, "no such file");
        } catch (JacksonException e) {
            JsonLocation at = e.getLocation();
            throw invalid(file, (at == null ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ")
                    + oneLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw invalid(file, "cannot read: " + e.getMessage());
        }
        if (tree == null || !tree.isObject()) {
            throw invalid(file, "expected a mapping of " + record + " fields at the top level");
        }
        return (ObjectNode) tree;
    }

    static TrainingJob fromTree(JsonNode tree) {
        return fromTree(tree, TrainingJob.getClassSchema(), TrainingJob.class);
    }

    private static <T> T fromTree(JsonNode tree, Schema schema, Class<T> type) {
        GenericRecord record = (GenericRecord) convert(schema, tree, "");
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
            new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
            encoder.flush();
            return new SpecificDatumReader<>(type)
                    .read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not a valid " + schema.getName() + ": " + e.getMessage());
        }
    }

    /** Parser messages quote the offending lines under the message; keep only the message lines. */
    private static String oneLine(String message) {
        return String.join("; ", message.lines().filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0))).toList());
    }

    private static CliException invalid(Path file, String why) {
        return new CliException(CliException.INVALID_INPUT, file + ": " + why);
    }

    private static Object convert(Schema schema, JsonNode node, String path) {
        switch (schema.getType()) {
            case RECORD -> {
                if (!node.isObject()) {
                    throw mismatch(path, "a mapping (" + schema.getName() + ")", node);
                }
                Set<String> known = new TreeSet<>();
                schema.getFields().forEach(f -> known.add(f.name()));
                for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
                    String name = names.next();
                    if (!known.contains(name)) {
                        throw new IllegalArgumentException("unknown field '" + join(path, name) + "'; "
                                + schema.getName() + " has " + String.join(", ", known));
                    }
                }
                GenericRecord record = new GenericData.Record(schema);
                for (Schema.Field field : schema.getFields()) {
                    JsonNode value = node.get(field.name());
                    if (value == null) {
                        if (!field.hasDefaultValue()) {
                            throw new IllegalArgumentException("missing required field '" + join(path, field.name()) + "'");
                        }
                        record.put(field.pos(), GenericData.get().getDefaultValue(field));
                    } else {
                        record.put(field.pos(), convert(field.schema(), value, join(path, field.name())));
                    }
                }
                return record;
            }
            case UNION -> {
                if (node.isNull()) {
                    if (schema.getTypes().stream().anyMatch(t -> t.getType() == Schema.Type.NULL)) {
                        return null;
                    }
                    throw mismatch(path, "a value", node);
                }
                List<String> tried = new ArrayList<>();
                for (Schema branch : schema.getTypes()) {
                    if (branch.getType() == Schema.Type.NULL) {
                        continue;
                    }
                    try {
                        return convert(branch, node, path);
                    } catch (IllegalArgumentException e) {
                        tried.add(describe(branch));
                    }
                }
                throw mismatch(path, String.join(" or ", tried), node);
            }
            case ENUM -> {
                if (!node.isTextual()) {
                    throw mismatch(path, "one of " + schema.getEnumSymbols(), node);
                }
                String symbol = node.asText().trim().toUpperCase(Locale.ROOT).replace('-', '_');
                if (!schema.getEnumSymbols().contains(symbol)) {
                    throw mismatch(path, "one of " + schema.getEnumSymbols(), node);
                }
                return new GenericData.EnumSymbol(schema, symbol);
            }
            case ARRAY -> {
                if (!node.isArray()) {
                    throw mismatch(path, "a list", node);
                }
                List<Object> items = new ArrayList<>();
                for (int i = 0; i < node.size(); i++) {
                    items.add(convert(schema.getElementType(), node.get(i), path + "[" + i + "]"));
                }
                return new GenericData.Array<>(schema, items);
            }
            case MAP -> {
                if (!node.isObject()) {
                    throw mismatch(path, "a mapping", node);
                }
                Map<String, Object> map = new HashMap<>();
                node.fields().forEachRemaining(e -> map.put(e.getKey(),
                        convert(schema.getValueType(), e.getValue(), join(path, e.getKey()))));
                return map;
            }
            case STRING -> {
                if (!node.isTextual()) {
                    throw mismatch(path, "text", node);
                }
                return node.asText();
            }
            case INT -> {
                if (!node.isIntegralNumber() || !node.canConvertToInt()) {
                    throw mismatch(path, "a whole number", node);
                }
                return node.intValue();
            }
            case LONG -> {
                if (!node.isIntegralNumber() || !node.canConvertToLong()) {
                    throw mismatch(path, "a whole number", node);
                }
                return node.longValue();
            }
            case FLOAT, DOUBLE -> {
                if (!node.isNumber()) {
                    throw mismatch(path, "a number", node);
                }
                return schema.getType() == Schema.Type.FLOAT ? (Object) node.floatValue() : (Object) node.doubleValue();
            }
            case BOOLEAN -> {
                if (!node.isBoolean()) {
                    throw mismatch(path, "true or false", node);
                }
                return node.booleanValue();
            }
            default -> throw new IllegalArgumentException("field '" + path + "' of type " + schema.getType()
                    + " cannot be written in a job file");
        }
    }

    private static String describe(Schema s) {
        return switch (s.getType()) {
            case LONG, INT -> "a whole number";
            case DOUBLE, FLOAT -> "a number";
            case BOOLEAN -> "true or false";
            case STRING -> "text";
            case ARRAY -> "a list";
            case MAP, RECORD -> "a mapping";
            default -> s.getType().getName();
        };
    }

    private static IllegalArgumentException mismatch(String path, String expected, JsonNode got) {
        String shown = got.isValueNode() ? got.toString() : got.isArray() ? "a list" : "a mapping";
        return new IllegalArgumentException("field '" + path + "': expected " + expected + ", got " + shown);
    }

    private static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }
}
