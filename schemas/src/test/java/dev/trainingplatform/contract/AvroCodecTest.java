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

    /** The single-object header of {@code type}'s current schema followed by {@code body}. */
    private static byte[] headerAnd(Class<? extends org.apache.avro.specific.SpecificRecord> type, int... body) {
        long fingerprint = SchemaNormalization.parsingFingerprint64(
                org.apache.avro.specific.SpecificData.get().getSchema(type));
        ByteBuffer b = ByteBuffer.allocate(10 + body.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0xC3).put((byte) 0x01).putLong(fingerprint);
        for (int x : body) {
            b.put((byte) x);
        }
        return b.array();
    }

    /** Avro's zig-zag varint of n, as unsigned bytes. */
    private static int[] varint(long n) {
        long z = (n << 1) ^ (n >> 63);
        java.util.List<Integer> out = new java.util.ArrayList<>();
        while ((z & ~0x7fL) != 0) {
            out.add((int) ((z & 0x7f) | 0x80));
            z >>>= 7;
        }
        out.add((int) z);
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void aSixteenByteCheckpointClaimingAHugeStringIsRefusedWithoutAllocatingIt() {
        // The evaluator's killer: the checkpoint's first field (jobId) claims 2^31-16 bytes.
        int[] claim = varint((1L << 31) - 16);
        byte[] record = headerAnd(Checkpoint.class, java.util.stream.IntStream.concat(Arrays.stream(claim),
                java.util.stream.IntStream.of(0x41)).toArray());
        assertThat(record.length).isLessThanOrEqualTo(16);
        assertThatThrownBy(() -> AvroCodec.of(Checkpoint.class).decode(record))
                .isInstanceOf(UndecodableRecordException.class)
                .hasMessageContaining("Checkpoint.jobId claims a length of 2147483632 bytes but only 1 are left");
    }

    @Test
    void aCollectionClaimingMoreItemsThanBytesLeftIsRefused() {
        AvroCodec<TrainingJob> codec = AvroCodec.of(TrainingJob.class);
        TrainingJob job = TrainingJob.newBuilder().setJobId("a")
                .setModel(ModelSpec.newBuilder().setLayers(java.util.List.of()).build())
                .setDataset(DatasetSpec.newBuilder().setName("x").build())
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.SGD).setLearningRate(0.1).build())
                .setBatchSize(1).setEpochs(1)
                .setLabels(java.util.Map.of()).build();
        // The labels map, the validation union (null), the priority (NORMAL, index 1) and the early
        // stopping union (null): its last four bytes are 00 00 02 00. Claim 2^30 entries in the labels
        // map instead of its closing zero.
        byte[] valid = codec.encode(job);
        assertThat(Arrays.copyOfRange(valid, valid.length - 4, valid.length)).containsExactly(0, 0, 2, 0);
        int[] claim = varint(1L << 30);
        byte[] hostile = Arrays.copyOf(valid, valid.length - 4 + claim.length + 3);
        for (int i = 0; i < claim.length; i++) {
            hostile[valid.length - 4 + i] = (byte) claim[i];
        }
        assertThatThrownBy(() -> codec.decode(hostile)).isInstanceOf(UndecodableRecordException.class)
                .hasMessageContaining("TrainingJob.labels claims 1073741824 items");
    }

    @Test
    void aNegativeLengthAndAnOverlongNumberAreRefused() {
        AvroCodec<JobStatus> codec = AvroCodec.of(JobStatus.class);
        assertThatThrownBy(() -> codec.decode(headerAnd(JobStatus.class, varint(-5))))
                .isInstanceOf(UndecodableRecordException.class).hasMessageContaining("claims a length of -5");
        assertThatThrownBy(() -> codec.decode(headerAnd(JobStatus.class, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                0xff, 0xff, 0xff, 0x01))).isInstanceOf(UndecodableRecordException.class)
                .hasMessageContaining("longer than 10 bytes");
    }

    @Test
    void everyContractRecordStillRoundTripsThroughTheBoundsCheck() {
        Checkpoint checkpoint = Checkpoint.newBuilder().setJobId("j").setCheckpointId("j/1").setEpoch(1).setTotalEpochs(1)
                .setFinalCheckpoint(true).setModel(ModelSpec.newBuilder().setLayers(java.util.List.of(Layer.newBuilder()
                        .setType("normalize").setArgs(java.util.Map.of("mean", java.util.List.of(0.5, 0.25),
                                "std", java.util.List.of(1.0, 2.0), "flag", true, "name", "x")).build())).build())
                .setDataset(DatasetSpec.newBuilder().setName("x").build()).setLoss(LossType.MSE).setParameterCount(3)
                .setParameters(ByteBuffer.wrap(new byte[] {1, 2, 3})).setParametersSha256("00")
                .setTimestamp(Instant.ofEpochMilli(5)).build();
        AvroCodec<Checkpoint> codec = AvroCodec.of(Checkpoint.class);
        assertThat(codec.decode(codec.encode(checkpoint))).isEqualTo(checkpoint);
    }
}
