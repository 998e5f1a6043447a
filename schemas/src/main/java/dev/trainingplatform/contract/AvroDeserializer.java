package dev.trainingplatform.contract;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka deserializer for one contract record type. The subclasses exist so that clients can name a
 * deserializer in plain configuration (value.deserializer=...).
 */
public class AvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    private final AvroCodec<T> codec;

    protected AvroDeserializer(Class<T> type) {
        this.codec = AvroCodec.of(type);
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        return data == null ? null : codec.decode(data);
    }

    public static class TrainingJobs extends AvroDeserializer<TrainingJob> {
        public TrainingJobs() { super(TrainingJob.class); }
    }

    public static class JobStatuses extends AvroDeserializer<JobStatus> {
        public JobStatuses() { super(JobStatus.class); }
    }

    public static class EpochMetricsEvents extends AvroDeserializer<EpochMetrics> {
        public EpochMetricsEvents() { super(EpochMetrics.class); }
    }

    public static class Checkpoints extends AvroDeserializer<Checkpoint> {
        public Checkpoints() { super(Checkpoint.class); }
    }

    public static class EvaluationResults extends AvroDeserializer<EvaluationResult> {
        public EvaluationResults() { super(EvaluationResult.class); }
    }
}
