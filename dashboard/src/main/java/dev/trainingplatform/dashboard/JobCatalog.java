package dev.trainingplatform.dashboard;

import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.TrainingJob;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Every job's latest state, read from the topics from their beginning and then followed live on one
 * thread, and the live records handed to whoever watches a job (a job page's event stream). Bounded:
 * the list keeps the {@code dashboard.max-jobs} most recently changed jobs. A failure of the consumer
 * (the broker gone) is logged and the read starts again; the thread never ends before shutdown.
 */
@ApplicationScoped
public class JobCatalog {

    private static final Logger LOG = Logger.getLogger(JobCatalog.class);
    private static final Duration RECHECK_PARTITIONS = Duration.ofSeconds(30);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    @Inject
    DashboardConfig config;

    private final Map<String, JobSummary> jobs = new LinkedHashMap<>();
    private final Map<String, Set<Consumer<JobEvent>>> watchers = new ConcurrentHashMap<>();
    private final Set<Consumer<JobSummary>> listWatchers = new CopyOnWriteArraySet<>();
    private volatile boolean caughtUp;
    private volatile boolean running = true;
    private Thread reader;

    void start(@Observes StartupEvent start) {
        reader = new Thread(this::readForever, "job-catalog");
        reader.setDaemon(true);
        reader.start();
    }

    void stop(@Observes ShutdownEvent stop) {
        running = false;
        if (reader != null) {
            reader.interrupt();
        }
    }

    /** Whether the topics have been read up to where they ended when the dashboard started. */
    boolean caughtUp() {
        return caughtUp;
    }

    /** The jobs, the most recently changed first. */
    List<JobSummary> jobs() {
        List<JobSummary> all;
        synchronized (jobs) {
            all = new ArrayList<>(jobs.values());
        }
        all.sort(Comparator.comparingLong(JobSummary::updated).reversed());
        return all;
    }

    /** Tells {@code watcher} every record about {@code jobId} read from now on, until {@code unwatch}. */
    void watch(String jobId, Consumer<JobEvent> watcher) {
        watchers.computeIfAbsent(jobId, id -> new CopyOnWriteArraySet<>()).add(watcher);
    }

    void unwatch(String jobId, Consumer<JobEvent> watcher) {
        watchers.computeIfPresent(jobId, (id, set) -> {
            set.remove(watcher);
            return set.isEmpty() ? null : set;
        });
    }

    void watchList(Consumer<JobSummary> watcher) {
        listWatchers.add(watcher);
    }

    void unwatchList(Consumer<JobSummary> watcher) {
        listWatchers.remove(watcher);
    }

    private void readForever() {
        while (running) {
            try (KafkaConsumer<String, byte[]> consumer = consumer()) {
                read(consumer);
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warnf("reading the topics failed, starting again in 2 s: %s", e.toString());
                sleep(Duration.ofSeconds(2));
            }
        }
    }

    private void read(KafkaConsumer<String, byte[]> consumer) {
        Map<TopicPartition, Long> endAtStart = null;
        long nextCheck = 0;
        while (running) {
            if (System.nanoTime() >= nextCheck) {
                // Topics may be created after the dashboard starts (create-topics), and gain partitions.
                List<TopicPartition> all = partitions(consumer);
                if (!new HashSet<>(all).equals(consumer.assignment())) {
                    List<TopicPartition> added = new ArrayList<>(all);
                    added.removeAll(consumer.assignment());
                    consumer.assign(all);
                    consumer.seekToBeginning(added);
                }
                if (endAtStart == null && !all.isEmpty()) {
                    endAtStart = consumer.endOffsets(all);
                }
                nextCheck = System.nanoTime() + RECHECK_PARTITIONS.toNanos();
            }
            if (consumer.assignment().isEmpty()) {
                sleep(Duration.ofSeconds(1));
                nextCheck = 0;
                continue;
            }
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                Object decoded = JobRecords.decode(r);
                if (decoded != null) {
                    apply(r, decoded);
                }
            }
            if (!caughtUp && endAtStart != null) {
                caughtUp = endAtStart.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
            }
        }
    }

    private void apply(ConsumerRecord<String, byte[]> r, Object decoded) {
        String id = r.key();
        long at = r.timestamp();
        JobSummary changed;
        synchronized (jobs) {
            JobSummary was = jobs.remove(id);
            JobSummary now = was;
            if (decoded instanceof TrainingJob job) {
                Map<String, String> labels = new HashMap<>();
                job.getLabels().forEach((k, v) -> labels.put(k.toString(), v.toString()));
                now = was == null ? JobSummary.submitted(id, job.getEpochs(), labels, at) : was.withLabels(labels, job.getEpochs());
            } else if (decoded instanceof JobStatus s) {
                now = (was == null ? JobSummary.submitted(id, 0, Map.of(), at) : was).withStatus(s.getState().toString(),
                        s.getAttempt(), s.getMessage() == null ? null : s.getMessage().toString(), s.getEpochsCompleted(), at);
            } else if (decoded instanceof EpochMetrics m) {
                now = (was == null ? JobSummary.submitted(id, m.getTotalEpochs(), Map.of(), at) : was).withEpoch(
                        m.getEpoch(), m.getTotalEpochs(), m.getEtaMs(), at);
            }
            if (now != null) {
                jobs.put(id, now);
                if (jobs.size() > config.maxJobs()) {
                    jobs.remove(jobs.keySet().iterator().next());
                }
            }
            changed = now != was ? now : null;
        }
        if (changed != null) {
            listWatchers.forEach(w -> w.accept(changed));
        }
        Set<Consumer<JobEvent>> forJob = watchers.get(id);
        if (forJob != null) {
            JobEvent event = JobRecords.event(r, decoded);
            if (event != null) {
                forJob.forEach(w -> w.accept(event));
            }
        }
    }

    private static List<TopicPartition> partitions(KafkaConsumer<String, byte[]> consumer) {
        List<TopicPartition> all = new ArrayList<>();
        Map<String, List<PartitionInfo>> topics = consumer.listTopics(Duration.ofSeconds(10));
        for (String topic : JobRecords.TOPICS) {
            for (PartitionInfo p : topics.getOrDefault(topic, List.of())) {
                all.add(new TopicPartition(topic, p.partition()));
            }
        }
        return all;
    }

    KafkaConsumer<String, byte[]> consumer() {
        Map<String, Object> props = new HashMap<>(kafka);
        props.keySet().removeIf(k -> k.startsWith("key.") || k.startsWith("value.") || k.equals("group.id"));
        props.put("enable.auto.commit", "false");
        props.put("isolation.level", "read_committed");
        props.put("allow.auto.create.topics", "false");
        return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
