package dev.trainingplatform.bench;

import dev.trainingplatform.contract.AvroCodec;
import dev.trainingplatform.contract.AvroSerializer;
import dev.trainingplatform.contract.CancelRequest;
import dev.trainingplatform.contract.CheckpointPolicy;
import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.ReferenceWorkloads;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.TrainingJob;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The job queue measured from a client against a running stack with several trainers
 * (TRAINERS=N deploy/local/up): how long a short job waits for a trainer (publish -> RUNNING) while
 * a long job occupies one of them, against the same wait with every trainer idle, measured in the
 * same run. First the table of issue 26: a long job, then one short job keyed onto each partition of
 * training.jobs (with a consumer group, those on the long job's trainer waited for the whole job).
 * Then {@code shortJobs} short jobs with random keys, one after another, with all trainers idle (the
 * reference) and again beside the long job. Timestamps come from one clock: client and services run
 * on the same machine.
 *
 * <pre>java -cp benchmarks.jar dev.trainingplatform.bench.QueueLatency BOOTSTRAP [SHORT_JOBS]</pre>
 */
public final class QueueLatency {

    private static final AvroCodec<JobStatus> STATUS = AvroCodec.of(JobStatus.class);

    private final Map<String, List<JobStatus>> statuses = new ConcurrentHashMap<>();
    private final KafkaProducer<String, byte[]> producer;
    private volatile boolean stop;

    private QueueLatency(String bootstrap) {
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "linger.ms", 0, "acks", "all"),
                new StringSerializer(), new ByteArraySerializer());
        Thread reader = new Thread(() -> readStatuses(bootstrap), "status-reader");
        reader.setDaemon(true);
        reader.start();
    }

    private void readStatuses(String bootstrap) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.STATUS).stream()
                    .map(p -> new TopicPartition(Topics.STATUS, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            while (!stop) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                    if (r.key() != null && r.value() != null) {
                        statuses.computeIfAbsent(r.key(), k -> new CopyOnWriteArrayList<>()).add(STATUS.decode(r.value()));
                    }
                }
            }
        }
    }

    private static TrainingJob job(String id, int epochs, int trainSamples) {
        return ReferenceWorkloads.named("fashion-mnist").job(id)
                .setDataset(DatasetSpec.newBuilder().setName("fashion-mnist").setMaxTrainSamples(trainSamples)
                        .setMaxTestSamples(1000).build())
                .setEpochs(epochs)
                .setCheckpoint(CheckpointPolicy.newBuilder().setEveryEpochs(10).build())
                .build();
    }

    private long submit(TrainingJob job) throws Exception {
        long at = System.currentTimeMillis();
        producer.send(new ProducerRecord<>(Topics.JOBS, job.getJobId(),
                new AvroSerializer<TrainingJob>().serialize(Topics.JOBS, job))).get();
        return at;
    }

    private JobStatus await(String jobId, java.util.function.Predicate<JobStatus> state) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (System.nanoTime() < deadline) {
            for (JobStatus s : statuses.getOrDefault(jobId, List.of())) {
                if (state.test(s)) {
                    return s;
                }
                if (ended(s)) {
                    throw new IllegalStateException("job " + jobId + " ended " + s.getState() + ": " + s.getMessage());
                }
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException("job " + jobId + " did not reach the state within 10 minutes: "
                + statuses.get(jobId));
    }

    private static boolean ended(JobStatus s) {
        return s.getState() == JobState.SUCCEEDED || s.getState() == JobState.FAILED || s.getState() == JobState.CANCELLED;
    }

    /** A short job's publish -> QUEUED (a trainer took it) and -> RUNNING (its data loaded, its model built), in ms. */
    private record Waits(long queued, long running) {}

    /** A short job, waited to its end so that the next one finds the trainers idle again. */
    private Waits shortJob(String id) throws Exception {
        long submitted = submit(job(id, 1, 600));
        JobStatus queued = await(id, s -> s.getState() == JobState.QUEUED);
        JobStatus running = await(id, s -> s.getState() == JobState.RUNNING);
        JobStatus end = await(id, QueueLatency::ended);
        if (end.getState() != JobState.SUCCEEDED) {
            throw new IllegalStateException("short job " + id + " ended " + end.getState() + ": " + end.getMessage());
        }
        return new Waits(queued.getTimestamp().toEpochMilli() - submitted, running.getTimestamp().toEpochMilli() - submitted);
    }

    private static String keyOnPartition(String prefix, int partition, int partitions) {
        while (true) {
            String id = prefix + "-" + UUID.randomUUID();
            if (Topics.partitionOf(id, partitions) == partition) {
                return id;
            }
        }
    }

    private static String spread(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return String.format(Locale.ROOT, "p50 %5d  p99 %5d  max %5d", at(sorted, 0.5), at(sorted, 0.99),
                sorted.get(sorted.size() - 1));
    }

    private static long at(List<Long> sorted, double q) {
        return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(q * sorted.size()) - 1));
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        int shortJobs = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        QueueLatency bench = new QueueLatency(bootstrap);
        int partitions;
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            partitions = c.partitionsFor(Topics.JOBS).size();
        }
        // Warm the trainers (libtorch's first load is not the queue's doing): eight short jobs at once,
        // which idle trainers share.
        List<String> warm = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            warm.add("queue-warm-" + UUID.randomUUID());
            bench.submit(job(warm.get(i), 1, 600));
        }
        for (String id : warm) {
            bench.await(id, QueueLatency::ended);
        }

        List<Waits> idle = new ArrayList<>();
        for (int i = 0; i < shortJobs; i++) {
            idle.add(bench.shortJob("queue-idle-" + UUID.randomUUID()));
        }

        String longId = keyOnPartition("queue-long", 0, partitions);
        long longSubmitted = bench.submit(job(longId, 10_000, 6_000)); // the trainer's default epoch limit
        JobStatus longRunning = bench.await(longId, s -> s.getState() == JobState.RUNNING);
        System.out.printf(Locale.ROOT, "The job topic has %d partition(s).%n%n", partitions);
        System.out.printf(Locale.ROOT, "| job | partition | trainer | submit -> RUNNING |%n|---|---|---|---|%n");
        System.out.printf(Locale.ROOT, "| long (cancelled at the end) | 0 | %s | %d ms |%n", longRunning.getInstance(),
                longRunning.getTimestamp().toEpochMilli() - longSubmitted);
        for (int p = 0; p < partitions; p++) {
            String id = keyOnPartition("queue-keyed", p, partitions);
            long ms = bench.shortJob(id).running();
            System.out.printf(Locale.ROOT, "| short | %d | %s | %d ms |%n", p,
                    bench.await(id, s -> s.getState() == JobState.RUNNING).getInstance(), ms);
        }
        List<Waits> beside = new ArrayList<>();
        for (int i = 0; i < shortJobs; i++) {
            beside.add(bench.shortJob("queue-beside-" + UUID.randomUUID()));
        }
        boolean longStillRunning = bench.statuses.get(longId).stream().noneMatch(QueueLatency::ended);
        bench.producer.send(new ProducerRecord<>(Topics.CANCELLATIONS, longId, AvroCodec.of(CancelRequest.class).encode(
                CancelRequest.newBuilder().setJobId(longId).setRequestedAt(Instant.now()).build()))).get();
        bench.await(longId, QueueLatency::ended);
        bench.stop = true;

        System.out.printf(Locale.ROOT, "%n%d short jobs each (random keys, one at a time), in ms:%n", shortJobs);
        System.out.printf(Locale.ROOT, "  publish -> QUEUED (taken from the queue), all trainers idle (reference): %s%n",
                spread(idle.stream().map(Waits::queued).toList()));
        System.out.printf(Locale.ROOT, "  publish -> QUEUED, beside a long job:                                  %s%n",
                spread(beside.stream().map(Waits::queued).toList()));
        System.out.printf(Locale.ROOT, "  publish -> RUNNING (data loaded, model built), all trainers idle:       %s%n",
                spread(idle.stream().map(Waits::running).toList()));
        System.out.printf(Locale.ROOT, "  publish -> RUNNING, beside a long job:                                 %s%n",
                spread(beside.stream().map(Waits::running).toList()));
        long idleP99 = at(idle.stream().map(Waits::running).sorted().toList(), 0.99);
        long besideP99 = at(beside.stream().map(Waits::running).sorted().toList(), 0.99);
        System.out.printf(Locale.ROOT, "  ratio of the RUNNING p99s (beside / idle): %.2f; the long job was %s throughout%n",
                (double) besideP99 / Math.max(1, idleP99), longStillRunning ? "running" : "NOT running");
        bench.producer.close();
    }
}
