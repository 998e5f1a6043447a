package dev.trainingplatform.trainer;

import dev.trainingplatform.contract.ContractLimits;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.jboss.logging.Logger;

/**
 * Dead-letters a training.jobs record by reference: an empty value and headers naming where the
 * original is (topic, partition, offset), its size and the reason. Used for records too large to copy:
 * copying a 23 MB record failed on the dead-letter topic's 1 MB limit, which failed the nack, which
 * stopped the jobs channel for good. Smaller undecodable records still go by copy (the channel's
 * dead-letter-queue strategy), with the same header names.
 */
@ApplicationScoped
public class JobDeadLetters {

    private static final Logger LOG = Logger.getLogger(JobDeadLetters.class);

    @Inject
    @Channel("jobs-dead-letters")
    MutinyEmitter<byte[]> deadLetters;

    public void byReference(IncomingKafkaRecordMetadata<?, ?> record, long valueBytes, String reason) {
        String key = record.getKey() == null ? null : record.getKey().toString();
        String clippedReason = ContractLimits.clip(reason);
        LOG.warnf("dead-lettering %s-%d@%d by reference (%d bytes): %s", record.getTopic(), record.getPartition(),
                record.getOffset(), valueBytes, clippedReason);
        boolean keyFits = key == null || key.length() <= ContractLimits.MAX_ECHOED_JOB_ID_CHARS;
        deadLetters.sendMessageAndAwait(KafkaRecord.of(keyFits ? key : null, new byte[0])
                .withHeader("dead-letter-reason", utf8(clippedReason))
                .withHeader("dead-letter-topic", utf8(record.getTopic()))
                .withHeader("dead-letter-partition", utf8(String.valueOf(record.getPartition())))
                .withHeader("dead-letter-offset", utf8(String.valueOf(record.getOffset())))
                .withHeader("dead-letter-value-bytes", utf8(String.valueOf(valueBytes)))
                .withHeader("dead-letter-key-chars", utf8(String.valueOf(key == null ? 0 : key.length()))));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
