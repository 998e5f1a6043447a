package dev.trainingplatform.contract;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.SharePartitionOffsetInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;

/**
 * The job queues: the three job topics, read by the trainers as one Kafka share group (KIP-932),
 * and that group's configuration. A share group hands each record to one member at a time under an
 * acquisition lock, so any number of trainers take jobs from any number of partitions, and a job
 * never waits behind another trainer's job.
 */
public final class JobQueues {

    /** The trainers' share group, unless TRAINER_GROUP_ID names another. */
    public static final String DEFAULT_GROUP = "trainer";

    /** Kafka's own default lock; the broker allows 15 s to 60 s unless its min/max settings say otherwise. */
    public static final Duration DEFAULT_LOCK_DURATION = Duration.ofSeconds(30);

    /** The default of TRAINER_MAX_ATTEMPTS. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;

    /**
     * The highest TRAINER_MAX_ATTEMPTS a share group can carry: the group's delivery count limit is
     * one more (see {@link #groupConfigs}) and brokers cap it at 10 ({@code group.share.max.delivery.count.limit}).
     */
    public static final int MAX_ATTEMPTS_LIMIT = 9;

    /** The topics of the queues, highest priority first. */
    public static final List<String> TOPICS = List.of(Topics.JOBS_HIGH, Topics.JOBS, Topics.JOBS_LOW);

    /**
     * The share group's configuration for jobs tried at most {@code maxAttempts} times under locks of
     * {@code lockDuration}:
     * <ul>
     * <li>{@code share.auto.offset.reset=earliest}: jobs published before the first trainer ever
     * joined are queued, not skipped (Kafka's default for share groups is latest);</li>
     * <li>{@code share.delivery.count.limit = maxAttempts + 1}: the broker stops delivering a record
     * after that many deliveries; the last one is the trainer's cue to end the job FAILED ("given up
     * after N attempts") instead of running it again, so the job never just disappears;</li>
     * <li>{@code share.record.lock.duration.ms}: how long a trainer that stopped renewing (crashed,
     * cut off, frozen) keeps a job from the others;</li>
     * <li>{@code share.isolation.level=read_committed}: a sweep's trial jobs are published in one
     * transaction with the sweep's offset; a trainer that dies halfway aborts it, and the queue never
     * hands out a trial of an expansion that is done again (Kafka's default is read_uncommitted).</li>
     * </ul>
     */
    public static Map<String, String> groupConfigs(int maxAttempts, Duration lockDuration) {
        if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS_LIMIT) {
            throw new IllegalArgumentException("max attempts " + maxAttempts + " is outside 1.." + MAX_ATTEMPTS_LIMIT
                    + ": the share group's delivery count limit (attempts + 1) may be at most 10");
        }
        return Map.of(
                "share.auto.offset.reset", "earliest",
                "share.delivery.count.limit", String.valueOf(maxAttempts + 1),
                "share.record.lock.duration.ms", String.valueOf(lockDuration.toMillis()),
                "share.isolation.level", "read_committed");
    }

    /** Sets {@code group}'s configuration (idempotent; the group need not exist yet). */
    public static void configure(Admin admin, String group, Map<String, String> configs) {
        Collection<AlterConfigOp> ops = new ArrayList<>();
        configs.forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
        try {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group), ops))
                    .all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not configure the share group " + group + " " + configs + ": "
                    + (e.getCause() == null ? e : e.getCause()), e);
        }
    }

    /**
     * The jobs in each queue, highest priority first: records the share group has not finished with
     * (waiting, or held by a trainer running them), from the group's lag per partition. A partition
     * whose share state the broker has not written yet (it reports no offsets for it) counts every
     * record it holds, as a group reading from the earliest record will deliver them all.
     */
    public static Map<String, Long> depth(Admin admin, String group) {
        Map<String, Long> depth = new java.util.LinkedHashMap<>();
        TOPICS.forEach(t -> depth.put(t, 0L));
        try {
            Map<TopicPartition, SharePartitionOffsetInfo> offsets = admin.listShareGroupOffsets(
                    Map.of(group, new ListShareGroupOffsetsSpec())).partitionsToOffsetInfo(group).get(30, TimeUnit.SECONDS);
            List<TopicPartition> unknown = new ArrayList<>();
            offsets.forEach((tp, info) -> {
                if (depth.containsKey(tp.topic())) {
                    if (info == null || info.lag().isEmpty()) {
                        unknown.add(tp);
                    } else {
                        depth.merge(tp.topic(), info.lag().get(), Long::sum);
                    }
                }
            });
            if (!unknown.isEmpty()) {
                Map<TopicPartition, OffsetSpec> earliest = new java.util.HashMap<>();
                Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
                unknown.forEach(tp -> {
                    earliest.put(tp, OffsetSpec.earliest());
                    latest.put(tp, OffsetSpec.latest());
                });
                var from = admin.listOffsets(earliest).all().get(30, TimeUnit.SECONDS);
                var to = admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
                unknown.forEach(tp -> depth.merge(tp.topic(), to.get(tp).offset() - from.get(tp).offset(), Long::sum));
            }
        } catch (Exception e) {
            throw new IllegalStateException("could not read the share group " + group + "'s offsets: "
                    + (e.getCause() == null ? e : e.getCause()), e);
        }
        return depth;
    }

    private JobQueues() {}
}
