package dev.trainingplatform.cli;

import dev.trainingplatform.contract.AvroCodec;
import dev.trainingplatform.contract.Checkpoint;
import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.JobPartition;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.UndecodableRecordException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * One checkpoint of a job, chosen from its partition of training.checkpoints as the records go by:
 * only the best candidate so far is kept (a checkpoint may carry 50 MB of parameters inline), so the
 * memory a read takes does not grow with the number of checkpoints.
 */
final class JobCheckpoints {

    private static final AvroCodec<Checkpoint> CHECKPOINTS = AvroCodec.of(Checkpoint.class);

    /**
     * Which checkpoint: by id; the best (the latest checkpoint marked best by the job's
     * checkpoint.keepBest, else the one of the epoch with the lowest validation loss); or (neither) the
     * final one of the latest attempt.
     */
    record Choice(String checkpointId, boolean best) {}

    private JobCheckpoints() {}

    static Checkpoint read(KafkaSettings kafka, JobHistory history, Choice choice) {
        String jobId = history.jobId();
        Map<Integer, Double> validationLoss = new HashMap<>();
        for (EpochMetrics m : history.epochs()) {
            if (m.getValidationLoss() != null) {
                validationLoss.put(m.getEpoch(), m.getValidationLoss());
            }
        }
        Checkpoint chosen = null;
        List<String> seen = new ArrayList<>();
        Map<String, Object> props = new HashMap<>(kafka.props());
        props.put("enable.auto.commit", "false");
        props.put("allow.auto.create.topics", "false");
        // One record at a time at most 64 MB: a checkpoint's inline parameters (50 MB) and its fields.
        props.put("max.partition.fetch.bytes", String.valueOf(64 << 20));
        props.put("max.poll.records", "1");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            Optional<TopicPartition> found = JobPartition.of(consumer, Topics.CHECKPOINTS, jobId);
            TopicPartition partition = found.orElseThrow(() -> new CliException(CliException.NOT_FOUND,
                    "topic " + Topics.CHECKPOINTS + " does not exist; run create-topics"));
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (consumer.position(partition) < end) {
                if (System.nanoTime() > deadline) {
                    throw new CliException(CliException.KAFKA_UNAVAILABLE, "could not read the checkpoints of job '"
                            + jobId + "' from " + kafka.bootstrapServers() + " within 2 minutes");
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(250))) {
                    if (!jobId.equals(r.key()) || r.value() == null) {
                        continue;
                    }
                    Checkpoint c;
                    try {
                        c = CHECKPOINTS.decode(r.value());
                    } catch (UndecodableRecordException e) {
                        System.err.println("skipping an undecodable checkpoint record at offset " + r.offset() + ": "
                                + e.getMessage());
                        continue;
                    }
                    seen.add(c.getCheckpointId());
                    if (better(c, chosen, choice, validationLoss)) {
                        chosen = c;
                    }
                }
            }
        }
        if (chosen == null && choice.best() && validationLoss.isEmpty()) {
            throw new CliException(CliException.INVALID_INPUT, "job '" + jobId + "' has no checkpoint marked best and no "
                    + "validation metrics: --best takes the checkpoint the job's checkpoint.keepBest marked, else the one "
                    + "of the epoch with the lowest validation loss, and either needs a job with a validation split "
                    + "(\"validation\": {\"fraction\": 0.1}); name a checkpoint with --checkpoint ID");
        }
        if (chosen == null) {
            String which = choice.checkpointId() != null ? "no checkpoint '" + choice.checkpointId() + "'"
                    : choice.best() ? "no checkpoint of an epoch with a validation loss" : "no checkpoint";
            throw new CliException(CliException.NOT_FOUND, "job '" + jobId + "' has " + which + " on "
                    + Topics.CHECKPOINTS + " (" + history.state() + (seen.isEmpty() ? "" : "; its checkpoints: "
                    + String.join(", ", seen.subList(Math.max(0, seen.size() - 20), seen.size()))) + ")");
        }
        return chosen;
    }

    /** Whether {@code c} is a better answer to {@code choice} than {@code current} (null: none yet). */
    static boolean better(Checkpoint c, Checkpoint current, Choice choice, Map<Integer, Double> validationLoss) {
        if (choice.checkpointId() != null) {
            return choice.checkpointId().equals(c.getCheckpointId());
        }
        if (choice.best()) {
            // A checkpoint the job marked best beats any other; the latest of them wins.
            if (c.getBest() || current != null && current.getBest()) {
                return c.getBest() && (current == null || !current.getBest() || c.getAttempt() > current.getAttempt()
                        || c.getAttempt() == current.getAttempt() && c.getEpoch() >= current.getEpoch());
            }
            Double loss = validationLoss.get(c.getEpoch());
            if (loss == null) {
                return false;
            }
            if (current == null) {
                return true;
            }
            double was = validationLoss.get(current.getEpoch());
            // The lowest loss; at equal loss the earlier epoch (it got there first), then the later attempt.
            return loss < was || loss == was && (c.getEpoch() < current.getEpoch()
                    || c.getEpoch() == current.getEpoch() && c.getAttempt() >= current.getAttempt());
        }
        if (current == null) {
            return true;
        }
        // The latest attempt's final checkpoint, else the latest checkpoint.
        if (c.getAttempt() != current.getAttempt()) {
            return c.getAttempt() > current.getAttempt();
        }
        if (c.getFinalCheckpoint() != current.getFinalCheckpoint()) {
            return c.getFinalCheckpoint();
        }
        return c.getEpoch() >= current.getEpoch();
    }
}
