package dev.trainingplatform.cli;

import dev.trainingplatform.contract.JobQueues;
import dev.trainingplatform.contract.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Creates the contract's topics that do not exist yet (existing ones are left as they are) and sets
 * the trainers' share group's configuration ({@link JobQueues#groupConfigs}).
 */
final class TopicAdmin {

    private TopicAdmin() {}

    static List<String> createMissing(Map<String, Object> kafka, int partitions) throws Exception {
        try (Admin admin = Admin.create(kafka)) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = Topics.all(partitions).stream()
                    .filter(t -> !existing.contains(t.name()))
                    .map(t -> new NewTopic(t.name(), t.partitions(), (short) 1).configs(t.configs()))
                    .toList();
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(60, TimeUnit.SECONDS);
            }
            return missing.stream().map(NewTopic::name).toList();
        }
    }

    /** Sets the share group's configuration (idempotent); returns what was set. */
    static Map<String, String> configureQueue(Map<String, Object> kafka, String group, int maxAttempts,
                                              Duration lockDuration) {
        Map<String, String> configs = JobQueues.groupConfigs(maxAttempts, lockDuration);
        try (Admin admin = Admin.create(kafka)) {
            JobQueues.configure(admin, group, configs);
        }
        return new java.util.TreeMap<>(configs);
    }
}
