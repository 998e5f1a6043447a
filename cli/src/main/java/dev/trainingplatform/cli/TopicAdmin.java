package dev.trainingplatform.cli;

import dev.trainingplatform.contract.Topics;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/** Creates the contract's topics that do not exist yet; existing ones are left as they are. */
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
}
