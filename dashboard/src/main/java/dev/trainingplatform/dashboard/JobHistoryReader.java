package dev.trainingplatform.dashboard;

import dev.trainingplatform.contract.JobPartition;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * One job's history so far, for a job page opened at any time: only the partition of each topic
 * that holds the job's key is read (as the CLI does), from its beginning to where it ended when the
 * read began, so the time it takes depends on that partition, not on how many jobs the topics hold.
 */
@ApplicationScoped
public class JobHistoryReader {

    @Inject
    JobCatalog catalog;

    @Inject
    DashboardConfig config;

    /** The job's events in the order they happened, and where each partition's read ended. */
    record History(List<JobEvent> events, Map<TopicPartition, Long> ends) {

        /** Whether a live event comes after this history (and so is not in it). */
        boolean before(JobEvent e) {
            Long end = ends.get(new TopicPartition(e.topic(), e.partition()));
            return end == null || e.offset() >= end;
        }
    }

    History read(String jobId) {
        try (KafkaConsumer<String, byte[]> consumer = catalog.consumer()) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : JobRecords.TOPICS) {
                JobPartition.of(consumer, topic, jobId).ifPresent(partitions::add);
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            List<JobEvent> events = new ArrayList<>();
            List<Long> times = new ArrayList<>();
            long deadline = System.nanoTime() + config.historyTimeout().toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read the history of job " + jobId + " within "
                            + config.historyTimeout().toSeconds() + " s");
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(250))) {
                    if (!jobId.equals(r.key()) || r.offset() >= ends.get(new TopicPartition(r.topic(), r.partition()))) {
                        continue;
                    }
                    JobEvent e = JobRecords.event(r, JobRecords.decode(r));
                    if (e != null) {
                        events.add(e);
                        times.add(r.timestamp());
                    }
                }
            }
            // One poll mixes topics: the records' timestamps put the story back in order.
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < events.size(); i++) {
                order.add(i);
            }
            order.sort(Comparator.comparingLong(times::get));
            return new History(order.stream().map(events::get).toList(), ends);
        }
    }
}
