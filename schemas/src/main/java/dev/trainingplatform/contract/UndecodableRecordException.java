package dev.trainingplatform.contract;

/** A Kafka record value that cannot be read as the expected Avro record. */
public class UndecodableRecordException extends RuntimeException {
    public UndecodableRecordException(String message) {
        super(message);
    }
}
