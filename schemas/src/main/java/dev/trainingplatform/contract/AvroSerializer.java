package dev.trainingplatform.contract;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;

/** Kafka serializer writing any generated contract record in Avro single-object encoding. */
public class AvroSerializer<T extends SpecificRecord> implements Serializer<T> {

    @Override
    @SuppressWarnings("unchecked")
    public byte[] serialize(String topic, T record) {
        if (record == null) {
            return null;
        }
        return AvroCodec.of((Class<T>) record.getClass()).encode(record);
    }
}
