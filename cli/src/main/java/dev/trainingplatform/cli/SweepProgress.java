package dev.trainingplatform.cli;

import dev.trainingplatform.contract.AvroCodec;
import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.JobPartition;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.SweepResult;
import dev.trainingplatform.contract.SweepState;
import dev.trainingplatform.contract.SweepTrial;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.UndecodableRecordException;
import dev.trainingplatform.ml.sweep.SweepRanking;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * One sweep as the topics show it: its latest SweepResult and, while it runs, its trials' statuses
 * and metrics, folded into the same view the trainer ranks with ({@link SweepRanking#now}). Statuses
 * and metrics are read from every partition, but only from a minute before the sweep was expanded:
 * its trials have no earlier records.
 */
final class SweepProgress implements AutoCloseable {

    private static final AvroCodec<SweepResult> RESULTS = AvroCodec.of(SweepResult.class);
    private static final AvroCodec<JobStatus> STATUS = AvroCodec.of(JobStatus.class);
    private static final AvroCodec<EpochMetrics> METRICS = AvroCodec.of(EpochMetrics.class);

    private final KafkaSettings kafka;
    private final String sweepId;
    private KafkaConsumer<String, byte[]> trialRecords;
    private final Set<String> trialIds = new HashSet<>();
    private final Map<String, JobStatus> statuses = new HashMap<>();
    private final Map<String, List<EpochMetrics>> metrics = new HashMap<>();

    SweepProgress(KafkaSettings kafka, String sweepId) {
        this.kafka = kafka;
        this.sweepId = sweepId;
    }

    private KafkaConsumer<String, byte[]> consumer() {
        Map<String, Object> props = new HashMap<>(kafka.props());
        props.put("enable.auto.commit", "false");
        props.put("isolation.level", "read_committed"); // an aborted expansion's RUNNING result is not the sweep's
        props.remove("group.id");
        return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** The sweep's latest result (RUNNING with its trials, or final); empty when there is none yet. */
    Optional<SweepResult> latestResult() {
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            return JobPartition.latest(consumer, Topics.SWEEP_RESULTS, sweepId, RESULTS, Duration.ofMinutes(1));
        }
    }

    /**
     * The sweep now: {@code running}'s trials with their states and best values so far, from their
     * records up to the topics' ends at this call (the first call reads from a minute before the
     * sweep was expanded, later ones what arrived since).
     */
    SweepResult now(SweepResult running) {
        running.getTrials().forEach(t -> trialIds.add(t.getJobId()));
        if (trialRecords == null) {
            open(running.getTimestamp().minus(Duration.ofMinutes(1)));
        }
        // To the ends as they are now: one poll takes at most 500 records, fewer than two trainers
        // publish between two redraws of a sweep of short epochs (a watch fell minutes behind).
        Map<TopicPartition, Long> end = trialRecords.endOffsets(trialRecords.assignment());
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (!reached(end) && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> r : trialRecords.poll(Duration.ofMillis(100))) {
                fold(r);
            }
        }
        return SweepRanking.now(running, id -> Optional.ofNullable(statuses.get(id)),
                id -> metrics.getOrDefault(id, List.of()), Instant.now());
    }

    private void open(Instant from) {
        trialRecords = consumer();
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(Topics.STATUS, Topics.METRICS)) {
            trialRecords.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        trialRecords.assign(partitions);
        Map<TopicPartition, Long> at = new HashMap<>();
        partitions.forEach(p -> at.put(p, from.toEpochMilli()));
        Map<TopicPartition, OffsetAndTimestamp> offsets = trialRecords.offsetsForTimes(at);
        Map<TopicPartition, Long> end = trialRecords.endOffsets(partitions);
        for (TopicPartition p : partitions) {
            OffsetAndTimestamp o = offsets.get(p);
            trialRecords.seek(p, o == null ? end.get(p) : o.offset());
        }
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (trialRecords.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void fold(ConsumerRecord<String, byte[]> r) {
        if (r.key() == null || r.value() == null || !trialIds.contains(r.key())) {
            return;
        }
        try {
            if (r.topic().equals(Topics.STATUS)) {
                statuses.put(r.key(), STATUS.decode(r.value()));
            } else {
                metrics.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(METRICS.decode(r.value()));
            }
        } catch (UndecodableRecordException e) {
            // not a contract record: says nothing about the trial
        }
    }

    @Override
    public void close() {
        if (trialRecords != null) {
            trialRecords.close();
        }
    }

    /** The sweep as a table: one line per trial, ranked when the sweep has ended. */
    static String table(SweepResult r) {
        StringBuilder out = new StringBuilder();
        boolean lower = r.getMode() != dev.trainingplatform.contract.MetricMode.MAX;
        out.append(String.format(Locale.ROOT, "sweep %s %s: %s%n", r.getSweepId(), r.getState(),
                r.getMessage() == null ? "" : r.getMessage()));
        if (r.getTrials().isEmpty()) {
            return out.toString();
        }
        out.append(String.format(Locale.ROOT, "%-5s %-5s %-10s %7s  %-26s %8s  %s%n", "rank", "trial", "state", "epochs",
                "best " + r.getMetric() + (lower ? " (min)" : " (max)"), "at epoch", "hyperparameters"));
        for (SweepTrial t : r.getTrials()) {
            List<String> values = new ArrayList<>();
            new java.util.TreeMap<>(t.getHyperparameters()).forEach((k, v) -> values.add(k + "=" + v));
            out.append(String.format(Locale.ROOT, "%-5s %-5d %-10s %7d  %-26s %8s  %s%n",
                    t.getRank() == null ? "-" : t.getRank(), t.getTrial(),
                    t.getState() == null ? "WAITING" : t.getState(), t.getEpochsCompleted(),
                    t.getBestValue() == null ? "-" : String.format(Locale.ROOT, "%.6g", t.getBestValue()),
                    t.getBestEpoch() == null ? "-" : t.getBestEpoch(), String.join(", ", values)));
        }
        if (r.getState() == SweepState.SUCCEEDED) {
            out.append("best trial: ").append(r.getBestJobId()).append(System.lineSeparator());
        }
        return out.toString();
    }
}
