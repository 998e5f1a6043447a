package dev.trainingplatform.trainer;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * The partitions of training.jobs this trainer owns now. A job belongs to whoever owns its record's
 * partition: when a rebalance moves the partition away (another trainer joined, this one was too
 * slow to poll), the job stops within a batch and its new owner runs it on as the next attempt from
 * the latest resume point, instead of both training it at once. The channel uses the cooperative
 * sticky assignor, so only partitions that really move are revoked.
 */
@ApplicationScoped
@Identifier("trainer-jobs-partitions")
public class JobPartitions implements KafkaConsumerRebalanceListener {

    private static final Logger LOG = Logger.getLogger(JobPartitions.class);

    private final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        owned.addAll(partitions);
        LOG.infof("job partitions assigned: %s; owned now: %s", partitions, owned);
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        owned.removeAll(partitions);
        if (!partitions.isEmpty()) {
            LOG.infof("job partitions revoked: %s; owned now: %s", partitions, owned);
        }
    }

    public boolean owns(String topic, int partition) {
        return owned.contains(new TopicPartition(topic, partition));
    }
}
