package dev.trainingplatform.bench;

import dev.trainingplatform.contract.AvroCodec;
import dev.trainingplatform.contract.AvroSerializer;
import dev.trainingplatform.contract.CheckpointPolicy;
import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.EvaluationResult;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.ReferenceWorkloads;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.TrainingJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The platform's latencies, measured from a client against a running stack (deploy/local/up): one
 * Fashion-MNIST job of {@code epochs} epochs with a checkpoint every 10, and while it runs the
 * trainer's resident memory (from /proc, given its pid). Reports: publish to RUNNING; publish to the
 * first epoch's metrics minus that epoch's own time; end of an epoch (the event's timestamp) to its
 * arrival here, p50/p99 over all epochs; evaluator time per checkpoint; trainer RSS per epoch.
 * Timestamps come from one clock: client and services run on the same machine.
 *
 * <pre>java -cp benchmarks.jar dev.trainingplatform.bench.PlatformLatency BOOTSTRAP TRAINER_PID [EPOCHS]</pre>
 */
public final class PlatformLatency {

    private PlatformLatency() {}

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        long trainerPid = Long.parseLong(args[1]);
        int epochs = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        // The Fashion-MNIST workload on a tenth of its data, for many epochs.
        TrainingJob job = ReferenceWorkloads.named("fashion-mnist").job("latency-" + UUID.randomUUID())
                .setDataset(DatasetSpec.newBuilder().setName("fashion-mnist").setMaxTrainSamples(6_000).build())
                .setEpochs(epochs)
                .setCheckpoint(CheckpointPolicy.newBuilder().setEveryEpochs(10).build())
                .build();

        Map<String, Object> props = Map.of("bootstrap.servers", bootstrap,
                "max.partition.fetch.bytes", Topics.CHECKPOINT_MAX_MESSAGE_BYTES);
        List<Long> arrivalDelays = new ArrayList<>();
        List<Long> rssPerEpoch = new ArrayList<>();
        List<Long> evaluatorMs = new ArrayList<>();
        long submitted;
        Long running = null;
        Long firstMetric = null;
        long firstEpochMs = 0;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
             KafkaProducer<String, TrainingJob> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                     new StringSerializer(), new AvroSerializer<>())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(Topics.STATUS, Topics.METRICS, Topics.EVALUATIONS)) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // the end, fixed now: nothing published later is missed
            submitted = System.currentTimeMillis();
            producer.send(new ProducerRecord<>(Topics.jobsTopic(job.getPriority()), job.getJobId(), job)).get();
            int evaluations = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
            while (evaluations < epochs / 10 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                    long now = System.currentTimeMillis();
                    if (!job.getJobId().equals(r.key())) {
                        continue;
                    }
                    switch (r.topic()) {
                        case Topics.STATUS -> {
                            JobStatus s = AvroCodec.of(JobStatus.class).decode(r.value());
                            if (s.getState() == JobState.RUNNING) {
                                running = s.getTimestamp().toEpochMilli();
                            } else if (s.getState() == JobState.FAILED) {
                                throw new IllegalStateException("the job failed: " + s.getMessage());
                            }
                        }
                        case Topics.METRICS -> {
                            EpochMetrics m = AvroCodec.of(EpochMetrics.class).decode(r.value());
                            arrivalDelays.add(now - m.getTimestamp().toEpochMilli());
                            rssPerEpoch.add(rssKiB(trainerPid));
                            if (m.getEpoch() == 1) {
                                firstMetric = now;
                                firstEpochMs = m.getEpochDurationMs();
                            }
                        }
                        default -> {
                            evaluatorMs.add(AvroCodec.of(EvaluationResult.class).decode(r.value()).getDurationMs());
                            evaluations++;
                        }
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "job %s: %d epochs (Fashion-MNIST MLP, 6 000 training images, test set every epoch)%n",
                job.getJobId(), epochs);
        System.out.printf(Locale.ROOT, "publish -> RUNNING: %d ms (data loaded, model built)%n", running - submitted);
        System.out.printf(Locale.ROOT, "publish -> first epoch's metrics, minus the epoch's own %d ms: %d ms%n",
                firstEpochMs, firstMetric - submitted - firstEpochMs);
        System.out.printf(Locale.ROOT, "end of epoch -> metrics event here, over %d epochs: %s ms%n",
                arrivalDelays.size(), spread(arrivalDelays));
        System.out.printf(Locale.ROOT, "evaluator time per checkpoint, over %d checkpoints: %s ms%n",
                evaluatorMs.size(), spread(evaluatorMs));
        StringBuilder series = new StringBuilder();
        for (int e = 10; e <= rssPerEpoch.size(); e += Math.max(10, rssPerEpoch.size() / 20 / 10 * 10)) {
            series.append(series.isEmpty() ? "" : ", ").append(e).append(": ").append(rssPerEpoch.get(e - 1) / 1024);
        }
        System.out.printf(Locale.ROOT, "trainer RSS, MiB: after epoch 1 %d, max %d; by epoch %s%n",
                rssPerEpoch.get(0) / 1024, rssPerEpoch.stream().mapToLong(Long::longValue).max().orElseThrow() / 1024, series);
    }

    private static long rssKiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read the trainer's memory (pid " + pid + ")", e);
        }
        throw new IllegalStateException("no VmRSS for pid " + pid);
    }

    private static String spread(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return String.format(Locale.ROOT, "p50 %d, p99 %d, max %d", sorted.get(sorted.size() / 2),
                sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.99) - 1)), sorted.get(sorted.size() - 1));
    }
}
