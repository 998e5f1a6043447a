package dev.trainingplatform.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Schema evolution without a registry: every released version kept, all of them mutually readable. */
class SchemaHistoryTest {

    static final List<Class<?>> RECORDS = List.of(TrainingJob.class, JobStatus.class, EpochMetrics.class, Checkpoint.class,
            EvaluationResult.class, CancelRequest.class, ResumePoint.class, SweepRequest.class, SweepResult.class);

    private static Schema current(Class<?> type) {
        return SpecificData.get().getSchema(type);
    }

    @Test
    void theCurrentSchemaOfEveryRecordIsItsLatestReleasedVersion() {
        // Changing an .avsc without adding its next history version fails here.
        for (Class<?> type : RECORDS) {
            List<Schema> versions = SchemaHistory.versions(type.getSimpleName());
            assertThat(versions).as(type.getSimpleName()).isNotEmpty();
            assertThat(SchemaNormalization.toParsingForm(versions.get(versions.size() - 1)))
                    .as(type.getSimpleName() + ": add src/main/avro/history/" + type.getSimpleName() + "/v"
                            + (versions.size() + 1) + ".avsc for the change")
                    .isEqualTo(SchemaNormalization.toParsingForm(current(type)));
        }
    }

    @Test
    void everyVersionOfEveryRecordReadsWhatEveryOtherWrote() {
        for (Class<?> type : RECORDS) {
            assertThat(SchemaHistory.incompatibilities(SchemaHistory.versions(type.getSimpleName())))
                    .as(type.getSimpleName()).isEmpty();
        }
    }

    @Test
    void anIncompatibleChangeIsCaught() throws Exception {
        // A copy of TrainingJob v1 with a required field added (no default): v2 cannot read v1's records.
        Schema v1 = SchemaHistory.versions("TrainingJob").get(0);
        String json = v1.toString().replaceFirst("\"fields\":\\[", "\"fields\":[{\"name\":\"owner\",\"type\":\"string\"},");
        Schema withRequiredField = new Schema.Parser().parse(json);
        assertThat(SchemaHistory.incompatibilities(List.of(v1, withRequiredField)))
                .singleElement().asString().contains("v2 cannot read what v1 wrote").contains("owner");
        // A field narrowed from long to int: a reader expecting an int cannot take a long.
        Schema narrowed = new Schema.Parser().parse(v1.toString().replace(
                "{\"name\":\"seed\",\"type\":\"long\"", "{\"name\":\"seed\",\"type\":\"int\""));
        assertThat(SchemaHistory.incompatibilities(List.of(v1, narrowed))).isNotEmpty();
    }

    @Test
    void theFingerprintTableInTheReadmeIsTheOneReadersUse() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        Map<String, String> documented = new TreeMap<>();
        Matcher row = Pattern.compile("(?m)^\\| `(\\w+)` \\| v(\\d+) \\| `([0-9a-f]{16})` \\|").matcher(readme);
        while (row.find()) {
            documented.put(row.group(1) + " v" + row.group(2), row.group(3));
        }
        Map<String, String> computed = new TreeMap<>();
        for (Class<?> type : RECORDS) {
            List<Schema> versions = SchemaHistory.versions(type.getSimpleName());
            for (int v = 0; v < versions.size(); v++) {
                computed.put(type.getSimpleName() + " v" + (v + 1), SchemaHistory.hex(SchemaHistory.fingerprint(versions.get(v))));
            }
        }
        assertThat(documented).isEqualTo(computed);
        assertThat(computed).containsEntry("TrainingJob v1", "4099dc5bf089a2d1");
    }

    @Test
    void aJobWrittenWithVersion1DecodesIntoTodaysClassWithTheNewFieldsAtTheirDefaults() throws Exception {
        Schema v1 = SchemaHistory.versions("TrainingJob").get(0);
        GenericRecord job = v1Job(v1);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(job, bytes);
        TrainingJob decoded = AvroCodec.of(TrainingJob.class).decode(bytes.toByteArray());
        assertThat(decoded.getJobId()).isEqualTo("written-with-v1");
        assertThat(decoded.getEpochs()).isEqualTo(3);
        assertThat(decoded.getValidation()).isNull();
    }

    @Test
    void currentMetricsAreReadByAVersion1Reader() throws Exception {
        EpochMetrics m = EpochMetrics.newBuilder().setJobId("j").setEpoch(1).setTotalEpochs(2).setTrainLoss(0.5)
                .setTrainSamples(10).setSamplesPerSecond(100).setEpochDurationMs(100).setElapsedMs(100).setEtaMs(100)
                .setTimestamp(Instant.ofEpochMilli(7)).setValidationLoss(0.25).setLearningRate(1e-3).build();
        byte[] encoded = AvroCodec.of(EpochMetrics.class).encode(m);
        List<Schema> versions = SchemaHistory.versions("EpochMetrics");
        Schema v1 = versions.get(0);
        Schema current = versions.get(versions.size() - 1);
        assertThat(ByteBuffer.wrap(encoded, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong())
                .isEqualTo(SchemaHistory.fingerprint(current));
        GenericRecord read = new GenericDatumReader<GenericRecord>(current, v1).read(null,
                DecoderFactory.get().binaryDecoder(encoded, 10, encoded.length - 10, null));
        assertThat(read.get("trainLoss")).isEqualTo(0.5);
        assertThat(read.get("timestamp")).isEqualTo(7L);
        assertThat(read.hasField("validationLoss")).isFalse();
    }

    @Test
    void encodeAsWritesWhatAnOlderClientWouldAndDropsTheFieldsItLacks() {
        TrainingJob job = TrainingJob.newBuilder().setJobId("j").setModel(ModelSpec.newBuilder().setPreset("p").build())
                .setDataset(DatasetSpec.newBuilder().setName("d").build())
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.SGD).setLearningRate(0.1).build())
                .setBatchSize(4).setEpochs(2).setValidation(new ValidationSplit(0.2, 0, 3L)).build();
        byte[] v1 = SchemaHistory.encodeAs(job, 1);
        assertThat(ByteBuffer.wrap(v1, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong()).isEqualTo(
                SchemaHistory.fingerprint(SchemaHistory.versions("TrainingJob").get(0)));
        TrainingJob back = AvroCodec.of(TrainingJob.class).decode(v1);
        assertThat(back.getValidation()).isNull();
        assertThat(back.getEpochs()).isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"TrainingJob", "EpochMetrics"})
    void aCodecNamesEveryFingerprintItKnowsWhenOneIsUnknown(String name) {
        AvroCodec<?> codec = name.equals("TrainingJob") ? AvroCodec.of(TrainingJob.class) : AvroCodec.of(EpochMetrics.class);
        List<String> expected = new ArrayList<>();
        for (Schema v : SchemaHistory.versions(name)) {
            expected.add(SchemaHistory.hex(SchemaHistory.fingerprint(v)));
        }
        assertThat(codec.knownFingerprints()).contains(expected).contains("v" + expected.size() + " (current)");
    }

    static GenericRecord v1Job(Schema v1) {
        Schema model = v1.getField("model").schema();
        GenericRecord spec = new GenericData.Record(model);
        spec.put("preset", "fashion-mnist-mlp");
        spec.put("layers", List.of());
        GenericRecord dataset = new GenericData.Record(v1.getField("dataset").schema());
        for (Schema.Field f : dataset.getSchema().getFields()) {
            dataset.put(f.name(), f.hasDefaultValue() ? GenericData.get().getDefaultValue(f) : null);
        }
        dataset.put("name", "fashion-mnist");
        GenericRecord optimizer = new GenericData.Record(v1.getField("optimizer").schema());
        for (Schema.Field f : optimizer.getSchema().getFields()) {
            optimizer.put(f.name(), f.hasDefaultValue() ? GenericData.get().getDefaultValue(f) : null);
        }
        optimizer.put("type", new GenericData.EnumSymbol(optimizer.getSchema().getField("type").schema(), "ADAM"));
        optimizer.put("learningRate", 1e-3);
        GenericRecord job = new GenericData.Record(v1);
        for (Schema.Field f : v1.getFields()) {
            job.put(f.name(), f.hasDefaultValue() ? GenericData.get().getDefaultValue(f) : null);
        }
        job.put("jobId", "written-with-v1");
        job.put("model", spec);
        job.put("dataset", dataset);
        job.put("optimizer", optimizer);
        job.put("batchSize", 32);
        job.put("epochs", 3);
        return job;
    }
}
