package dev.trainingplatform.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.junit.jupiter.api.Test;

class AvroCodecTest {

    private static JobStatus status() {
        return JobStatus.newBuilder().setJobId("j1").setState(JobState.RUNNING)
                .setTimestamp(Instant.ofEpochMilli(1_700_000_000_000L)).build();
    }

    @Test
    void recordsStartWithTheSingleObjectMarkerAndTheWriterSchemaFingerprint() {
        byte[] bytes = AvroCodec.of(JobStatus.class).encode(status());
        assertThat(bytes[0] & 0xff).isEqualTo(0xC3);
        assertThat(bytes[1] & 0xff).isEqualTo(0x01);
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(fingerprint).isEqualTo(SchemaNormalization.parsingFingerprint64(JobStatus.getClassSchema()));
    }

    @Test
    void thePublishedAvscAloneDecodesTheBody() throws Exception {
        byte[] bytes = AvroCodec.of(JobStatus.class).encode(status());
        Schema schema;
        try (InputStream avsc = getClass().getResourceAsStream("/avro/JobStatus.avsc")) {
            schema = new Schema.Parser().parse(avsc);
        }
        GenericRecord r = new GenericDatumReader<GenericRecord>(schema)
                .read(null, DecoderFactory.get().binaryDecoder(Arrays.copyOfRange(bytes, 10, bytes.length), null));
        assertThat(r.get("jobId").toString()).isEqualTo("j1");
        assertThat(r.get("state").toString()).isEqualTo("RUNNING");
        assertThat(r.get("timestamp")).isEqualTo(1_700_000_000_000L);
    }

    @Test
    void roundTripsAJobWithLayerArguments() {
        TrainingJob job = TrainingJob.newBuilder()
                .setJobId("j2")
                .setModel(ModelSpec.newBuilder().setLayers(java.util.List.of(Layer.newBuilder().setType("dense")
                        .setArgs(java.util.Map.of("units", 128L, "init", "heNormal")).build())).build())
                .setDataset(DatasetSpec.newBuilder().setName("fashion-mnist").build())
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(1e-3).build())
                .setBatchSize(32).setEpochs(5).build();
        AvroCodec<TrainingJob> codec = AvroCodec.of(TrainingJob.class);
        assertThat(codec.decode(codec.encode(job))).isEqualTo(job);
    }

    @Test
    void undecodableInputIsExplainedNotThrownRaw() {
        AvroCodec<TrainingJob> codec = AvroCodec.of(TrainingJob.class);
        assertThatThrownBy(() -> codec.decode(new byte[0])).isInstanceOf(UndecodableRecordException.class)
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> codec.decode("{\"jobId\":1}".getBytes())).isInstanceOf(UndecodableRecordException.class)
                .hasMessageContaining("no C3 01 marker");
        byte[] otherSchema = AvroCodec.of(JobStatus.class).encode(status());
        assertThatThrownBy(() -> codec.decode(otherSchema)).isInstanceOf(UndecodableRecordException.class)
                .hasMessageContaining("unknown writer schema fingerprint");
        byte[] truncated = Arrays.copyOf(codec.encode(TrainingJob.newBuilder().setJobId("j3")
                .setModel(ModelSpec.newBuilder().build())
                .setDataset(DatasetSpec.newBuilder().setName("x").build())
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.SGD).setLearningRate(0.1).build())
                .setBatchSize(1).setEpochs(1).build()), 14);
        assertThatThrownBy(() -> codec.decode(truncated)).isInstanceOf(UndecodableRecordException.class)
                .hasMessageContaining("corrupt Avro body");
    }
}
