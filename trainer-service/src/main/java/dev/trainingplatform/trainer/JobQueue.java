package dev.trainingplatform.trainer;

import dev.trainingplatform.contract.JobQueues;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Takes jobs from the job queues: the three job topics read as one Kafka share group (KIP-932), so a
 * job goes to whichever trainer is idle, never waits behind another trainer's job, and trainers may
 * outnumber partitions.
 *
 * <p>A plain {@link KafkaShareConsumer} on a thread of our own, not a SmallRye channel: SmallRye's
 * share-group support arrives only in 4.34 (experimental) and the Quarkus 3.34 line reachable here
 * bundles 4.33. One consumer per queue topic, because one consumer over all three would hand out
 * records in no order of priority ({@link QueueOrder} picks which one to poll). Each is explicit,
 * {@code share.acquire.mode=record_limit} and {@code max.poll.records=1}, so a trainer holds only the
 * job it runs, never a queue of its own.
 *
 * <p>While a job runs (on a second thread), this thread renews the record's acquisition lock every
 * sixth of the lock (RENEW) and polls, which keeps the consumer in the group. The job ends with
 * ACCEPT (a terminal status is out, or the job was over already), REJECT (no job: a copy is on the
 * DLQ) or RELEASE (this trainer is stopping: the next trainer resumes it at once from its resume
 * point). A lock that lapsed (the broker refused a renewal, or this process froze past it) stops the
 * job through its {@link JobLease} before it publishes anything more.
 */
@ApplicationScoped
public class JobQueue {

    private static final Logger LOG = Logger.getLogger(JobQueue.class);

    /**
     * How long each queue is polled for in turn while the trainer is idle: short, because a job on a
     * lower queue waits for every empty queue above it to be polled (150 ms here made each of 300
     * queued bad jobs cost 170 ms; 60 ms costs about one broker round trip per empty queue).
     */
    private static final Duration IDLE_POLL = Duration.ofMillis(60);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    @Inject
    TrainerConfig config;

    @Inject
    JobIntake intake;

    /** org.apache.kafka.clients.consumer.ShareConsumerConfig's unsupported settings (Kafka 4.3). */
    private static final List<String> SHARE_CONSUMER_REFUSES = List.of("auto.offset.reset", "enable.auto.commit",
            "group.instance.id", "isolation.level", "partition.assignment.strategy", "interceptor.classes",
            "session.timeout.ms", "heartbeat.interval.ms", "group.protocol", "group.remote.assignor");

    private final ExecutorService jobs = Executors.newSingleThreadExecutor(r -> new Thread(r, "job-runner"));
    private volatile boolean stopping;
    private volatile JobLease current;
    private Thread thread;
    private final Map<String, KafkaShareConsumer<String, byte[]>> consumers = new java.util.concurrent.ConcurrentHashMap<>();

    void onStart(@Observes StartupEvent event) {
        configureGroup();
        openConsumers();
        thread = new Thread(this::takeJobs, "job-queue");
        thread.start();
    }

    void onStop(@Observes ShutdownEvent event) throws InterruptedException {
        stopping = true;
        JobLease lease = current;
        if (lease != null) {
            lease.release();
        }
        consumers.values().forEach(KafkaShareConsumer::wakeup);
        if (thread != null) {
            thread.join(TimeUnit.SECONDS.toMillis(60));
        }
        jobs.shutdownNow();
    }

    private Map<String, Object> consumerProps() {
        Map<String, Object> props = new HashMap<>(kafka);
        props.put("group.id", config.queue().group());
        props.put("share.acknowledgement.mode", "explicit");
        props.put("share.acquire.mode", "record_limit");
        props.put("max.poll.records", 1);
        // The broker answers a fetch within this when the queue is empty, inside one idle poll of a
        // queue: an idle trainer looks at each queue in turn, and a fetch still waiting on the broker
        // when the trainer has moved on would acquire a job that nobody looks at until its lock lapses.
        props.put("fetch.max.wait.ms", 50);
        // A queue's consumer is not polled while a job from another queue runs, for as long as the
        // job takes; it holds nothing then (the locks bound what a stalled member can hold), so
        // leaving the group for a slow poll would only cost a rejoin. The consumer that holds the job
        // polls at every renewal.
        props.put("max.poll.interval.ms", Integer.MAX_VALUE);
        // Settings of classic consumers that a share consumer refuses at construction (the group's
        // own configuration covers them): the shared Kafka settings may carry them for the other
        // consumers (the e2e tests set session.timeout.ms for the cancel consumer).
        SHARE_CONSUMER_REFUSES.forEach(props::remove);
        return props;
    }

    /**
     * The share group's configuration (auto offset reset, delivery count limit from
     * TRAINER_MAX_ATTEMPTS, lock duration), set before the first member joins so that jobs published
     * before any trainer started are queued. Where the trainer may not alter it (a cluster whose
     * operator set it with create-topics), the group's own configuration stands.
     */
    private void configureGroup() {
        // Out of range (TRAINER_MAX_ATTEMPTS over 9) stops the start-up here, with the reason.
        Map<String, String> groupConfigs = JobQueues.groupConfigs(config.limits().maxAttempts(),
                config.queue().lockDuration());
        try (Admin admin = Admin.create(adminProps(kafka))) {
            try {
                JobQueues.configure(admin, config.queue().group(), groupConfigs);
            } catch (RuntimeException e) {
                LOG.warnf("could not configure the share group %s (%s); its configuration on the broker stands",
                        config.queue().group(), e.getMessage());
            }
            warnOfPartitionedQueues(admin);
        }
    }

    /** The shared Kafka settings without the consumers' own (serializers, group id), for an Admin client. */
    static Map<String, Object> adminProps(Map<String, Object> kafka) {
        Map<String, Object> props = new HashMap<>(kafka);
        props.keySet().removeIf(k -> k.startsWith("key.") || k.startsWith("value.") || k.equals("group.id"));
        return props;
    }

    /**
     * A job topic of several partitions (a cluster created before the queue) still works, but while
     * there are no more trainers than partitions each partition has one trainer, and a busy trainer's
     * jobs wait for it (Topics.JOB_QUEUE_PARTITIONS).
     */
    private static void warnOfPartitionedQueues(Admin admin) {
        try {
            admin.describeTopics(JobQueues.TOPICS).allTopicNames().get(30, TimeUnit.SECONDS).forEach((topic, d) -> {
                if (d.partitions().size() > dev.trainingplatform.contract.Topics.JOB_QUEUE_PARTITIONS) {
                    LOG.warnf("job topic %s has %d partitions: while there are no more trainers than that, a job can "
                            + "wait for a busy trainer (a share group gives each partition to one member then); "
                            + "recreate it with %d partition", topic, d.partitions().size(),
                            dev.trainingplatform.contract.Topics.JOB_QUEUE_PARTITIONS);
                }
            });
        } catch (Exception e) {
            LOG.debugf("job topics not described: %s", e.toString());
        }
    }

    private void takeJobs() {
        long started = 0;
        try {
            while (!stopping) {
                try {
                    Optional<Taken> taken = next(QueueOrder.forNextJob(started));
                    if (taken.isPresent()) {
                        started++;
                        hold(taken.get());
                    }
                } catch (WakeupException e) {
                    // stopping, or a wake-up left over from a job's end: the loop condition decides
                } catch (RuntimeException e) {
                    // A broker gone away, a consumer in a state it cannot leave: start afresh, never stop
                    // taking jobs.
                    LOG.warnf("the job queue's consumers failed (%s); starting them afresh in a second", e.toString());
                    closeConsumers();
                    sleepQuietly(1000);
                    openConsumers();
                }
            }
        } finally {
            closeConsumers();
        }
    }

    private void openConsumers() {
        for (String topic : JobQueues.TOPICS) {
            KafkaShareConsumer<String, byte[]> consumer = new KafkaShareConsumer<>(consumerProps(),
                    new StringDeserializer(), new ByteArrayDeserializer());
            consumer.subscribe(List.of(topic));
            consumers.put(topic, consumer);
        }
    }

    private void closeConsumers() {
        consumers.values().forEach(c -> {
            try {
                c.close(Duration.ofSeconds(10)); // releases anything still acquired
            } catch (RuntimeException e) {
                LOG.debugf("closing a queue consumer: %s", e);
            }
        });
        consumers.clear();
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record Taken(KafkaShareConsumer<String, byte[]> consumer, ConsumerRecord<String, byte[]> record, long atMs) {}

    private Optional<Taken> next(List<String> order) {
        for (String topic : order) {
            KafkaShareConsumer<String, byte[]> consumer = consumers.get(topic);
            long at = System.currentTimeMillis();
            for (ConsumerRecord<String, byte[]> record : consumer.poll(IDLE_POLL)) {
                return Optional.of(new Taken(consumer, record, at));
            }
        }
        return Optional.empty();
    }

    /** Runs the job of {@code taken} on the job thread while keeping its lock, then acknowledges it. */
    private void hold(Taken taken) {
        KafkaShareConsumer<String, byte[]> consumer = taken.consumer();
        ConsumerRecord<String, byte[]> record = taken.record();
        long lockMs = consumer.acquisitionLockTimeoutMs().map(Integer::longValue)
                .orElse(config.queue().lockDuration().toMillis());
        // Renewed every sixth of the lock: a lost delivery is noticed that soon (JobRunner waits a
        // third of the lock before resuming a job that ran elsewhere). A renewal that fails stops
        // the job at once; the lease's margin (a sixth) covers a renewal that is merely slow.
        long renewEveryMs = Math.max(250, lockMs / 6);
        JobLease lease = new JobLease(System::currentTimeMillis, taken.atMs(), lockMs, lockMs / 6);
        current = lease;
        if (stopping) {
            lease.release();
        }
        int delivery = record.deliveryCount().map(Short::intValue).orElse(1);
        ConsumerRecord<String, byte[]> job = record;
        Future<AcknowledgeType> outcome = jobs.submit(() -> intake.handle(job, delivery, lease::held));
        AcknowledgeType ack;
        while (true) {
            try {
                ack = outcome.get(renewEveryMs, TimeUnit.MILLISECONDS);
                break;
            } catch (TimeoutException stillRunning) {
                if (lease.held()) {
                    record = renew(consumer, record, lease);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                lease.release();
                ack = AcknowledgeType.RELEASE;
                break;
            } catch (ExecutionException e) {
                LOG.error("a job's record could not be handled; releasing it to the queue", e.getCause());
                ack = AcknowledgeType.RELEASE;
                break;
            }
        }
        current = null;
        acknowledge(consumer, record, ack);
    }

    /** RENEW, and poll for the renewed record (the consumer hands it out again once renewed). */
    private ConsumerRecord<String, byte[]> renew(KafkaShareConsumer<String, byte[]> consumer,
                                                ConsumerRecord<String, byte[]> record, JobLease lease) {
        long sentAt = System.currentTimeMillis();
        try {
            consumer.acknowledge(record, AcknowledgeType.RENEW);
            Map<?, Optional<KafkaException>> result = consumer.commitSync(Duration.ofMillis(lease.lockMs() / 3));
            Optional<KafkaException> failure = result.values().stream().flatMap(Optional::stream).findFirst();
            if (failure.isPresent()) {
                throw failure.get();
            }
            lease.renewed(sentAt);
            long deadline = System.currentTimeMillis() + lease.lockMs() / 3;
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                    if (r.offset() == record.offset() && r.partition() == record.partition()) {
                        return r;
                    }
                    // Not ours (max.poll.records is 1, so this should not happen): straight back to the queue.
                    consumer.acknowledge(r, AcknowledgeType.RELEASE);
                }
            }
            throw new IllegalStateException("the renewed record did not come back from poll");
        } catch (WakeupException e) {
            lease.release(); // stopping: the job stops within a batch, then the record is released
            return record;
        } catch (RuntimeException e) {
            LOG.warnf("job record %s-%d@%d: could not renew its lock (%s); the job stops and is left to the queue",
                    record.topic(), record.partition(), record.offset(), e.toString());
            lease.release();
            return record;
        }
    }

    private void acknowledge(KafkaShareConsumer<String, byte[]> consumer, ConsumerRecord<String, byte[]> record,
                             AcknowledgeType ack) {
        try {
            consumer.acknowledge(record, ack);
            Map<?, Optional<KafkaException>> result = consumer.commitSync(Duration.ofSeconds(30));
            result.values().stream().flatMap(Optional::stream).findFirst().ifPresent(e -> LOG.infof(
                    "job record %s-%d@%d: %s not taken (%s): its lock had lapsed, the queue has it again",
                    record.topic(), record.partition(), record.offset(), ack, e.getMessage()));
        } catch (WakeupException e) {
            // stopping: close() releases what is still acquired
        } catch (RuntimeException e) {
            // The consumer may still count the record as unacknowledged, which would fail every
            // later poll: the caller's loop starts the consumers afresh.
            throw new IllegalStateException("job record " + record.topic() + "-" + record.partition() + "@"
                    + record.offset() + ": could not acknowledge " + ack + " (" + e + "); its lock lapses and the "
                    + "queue has it again", e);
        }
    }
}
