package dev.trainingplatform.trainer;

import dev.trainingplatform.contract.ContractLimits;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.jboss.logging.Logger;

/**
 * Puts a job record that never becomes a job on training.jobs.dlq, with headers naming the reason
 * and where the original is (topic, partition, offset). An undecodable record goes by copy (its
 * original bytes); a record too large to copy goes by reference (an empty value and its size):
 * copying a 23 MB record failed on the dead-letter topic's 1 MB limit, which once stopped job intake
 * for good. The header names are those SmallRye's dead-letter strategy used before the queue.
 */
@ApplicationScoped
public class JobDeadLetters {

    private static final Logger LOG = Logger.getLogger(JobDeadLetters.class);

    @Inject
    @Channel("jobs-dead-letters")
    MutinyEmitter<byte[]> deadLetters;

    public void copy(ConsumerRecord<String, byte[]> record, String reason) {
        send(record, record.value(), record.value() == null ? 0 : record.value().length, reason);
    }

    public void byReference(ConsumerRecord<String, byte[]> record, long valueBytes, String reason) {
        send(record, new byte[0], valueBytes, reason);
    }

    private void send(ConsumerRecord<String, byte[]> record, byte[] value, long valueBytes, String reason) {
        String key = record.key();
        String clippedReason = ContractLimits.clip(reason);
        LOG.warnf("dead-lettering %s-%d@%d (%d bytes%s): %s", record.topic(), record.partition(), record.offset(),
                valueBytes, value.length == 0 && valueBytes > 0 ? ", by reference" : "", clippedReason);
        boolean keyFits = key == null || key.length() <= ContractLimits.MAX_ECHOED_JOB_ID_CHARS;
        deadLetters.sendMessageAndAwait(KafkaRecord.of(keyFits ? key : null, value)
                .withHeader("dead-letter-reason", utf8(clippedReason))
                .withHeader("dead-letter-topic", utf8(record.topic()))
                .withHeader("dead-letter-partition", utf8(String.valueOf(record.partition())))
                .withHeader("dead-letter-offset", utf8(String.valueOf(record.offset())))
                .withHeader("dead-letter-value-bytes", utf8(String.valueOf(valueBytes)))
                .withHeader("dead-letter-key-chars", utf8(String.valueOf(key == null ? 0 : key.length()))));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
