package dev.trainingplatform.cli;

import dev.trainingplatform.contract.AvroCodec;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.UndecodableRecordException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "list", description = "List jobs and their latest state, from the status topic (and jobs not started yet).")
final class ListCommand extends KafkaCommand {

    private static final AvroCodec<JobStatus> STATUS = AvroCodec.of(JobStatus.class);

    @Option(names = "--state", description = "only jobs in this state (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, SUBMITTED)")
    String state;

    record Row(String jobId, String state, int epochs, String instance, Instant updated, String message) {}

    @Override
    public Integer call() {
        List<Row> rows = rows(kafkaOptions.connect());
        if (state != null) {
            String wanted = state.toUpperCase(Locale.ROOT);
            rows = rows.stream().filter(r -> r.state().equals(wanted)).toList();
        }
        PrintWriter out = out();
        int idWidth = Math.max(6, rows.stream().mapToInt(r -> r.jobId().length()).max().orElse(0));
        String format = "%-" + idWidth + "s  %-9s  %6s  %-20s  %-24s  %s%n";
        out.printf(Locale.ROOT, format, "JOB", "STATE", "EPOCHS", "INSTANCE", "UPDATED", "MESSAGE");
        for (Row r : rows) {
            out.printf(Locale.ROOT, format, r.jobId(), r.state(), r.epochs(), r.instance() == null ? "" : r.instance(),
                    r.updated() == null ? "" : r.updated().toString(), r.message() == null ? "" : r.message());
        }
        return 0;
    }

    /** The latest status of every job, oldest first; jobs on training.jobs without a status as SUBMITTED. */
    static List<Row> rows(KafkaSettings kafka) {
        Map<String, Row> latest = new LinkedHashMap<>();
        Map<String, Instant> submitted = new LinkedHashMap<>();
        Map<String, Object> props = new HashMap<>(kafka.props());
        props.put("enable.auto.commit", "false");
        props.put("allow.auto.create.topics", "false");
        // A sweep's trials are written in a transaction: an aborted expansion's are not jobs.
        props.put("isolation.level", "read_committed");
        try (KafkaConsumer<String, byte[]> consumer =
                     new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(Topics.JOBS_HIGH, Topics.JOBS, Topics.JOBS_LOW, Topics.STATUS)) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new CliException(CliException.KAFKA_UNAVAILABLE, "could not read " + Topics.STATUS + " within 2 minutes");
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(250))) {
                    if (r.key() == null) {
                        continue;
                    }
                    if (dev.trainingplatform.contract.JobQueues.TOPICS.contains(r.topic())) {
                        submitted.putIfAbsent(r.key(), Instant.ofEpochMilli(r.timestamp()));
                        continue;
                    }
                    try {
                        JobStatus s = STATUS.decode(r.value());
                        Row previous = latest.get(r.key());
                        if (previous == null || !s.getTimestamp().isBefore(previous.updated())) {
                            latest.put(r.key(), new Row(r.key(), s.getState().toString(), s.getEpochsCompleted(),
                                    s.getInstance(), s.getTimestamp(), s.getMessage()));
                        }
                    } catch (UndecodableRecordException e) {
                        // A foreign record on the status topic says nothing about a job.
                    }
                }
            }
        }
        submitted.forEach((id, at) -> latest.putIfAbsent(id, new Row(id, "SUBMITTED", 0, null, at, null)));
        List<Row> rows = new ArrayList<>(latest.values());
        rows.sort(Comparator.comparing(Row::updated, Comparator.nullsFirst(Comparator.naturalOrder())));
        return rows;
    }
}
