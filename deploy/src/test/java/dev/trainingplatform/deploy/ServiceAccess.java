package dev.trainingplatform.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a service needs from Kafka, derived from its application.properties: every incoming channel's
 * topic (Read, Describe) and consumer group (Read; a group id with a placeholder, such as
 * trainer-cancellations-${quarkus.uuid}, needs a prefixed ACL), every outgoing channel's and
 * dead-letter topic (Write, Describe); and for the trainer's job queue ({@code trainer.queue.group},
 * a share group read by a plain share consumer, not a channel): every job topic (Read, Describe) and
 * the group (Read, Describe, and AlterConfigs with DescribeConfigs, as the trainer sets the group's
 * configuration at start-up); for the trainer's sweep expander ({@code trainer.sweeps.group}): the
 * sweeps topics, its group, Write on the job topics and its transactional ids; for the dashboard, every topic {@code dashboard.reads} lists (Read,
 * Describe: plain consumers without a group). A new channel or group in the configuration is a new requirement here,
 * so an ACL cannot be forgotten.
 */
final class ServiceAccess {

    /** One permission a service needs: on a topic or group, named literally or by prefix. */
    record Need(String resourceType, String name, boolean prefix, String operation) {
        @Override
        public String toString() {
            return operation + " on " + resourceType + " " + name + (prefix ? "*" : "");
        }
    }

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^:}]+)(?::([^}]*))?}");

    private ServiceAccess() {}

    static List<Need> needs(Path applicationProperties) throws IOException {
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(applicationProperties)) {
            props.load(in);
        }
        List<Need> needs = new ArrayList<>();
        String queueGroup = props.getProperty("trainer.queue.group");
        if (queueGroup != null) {
            for (String topic : dev.trainingplatform.contract.JobQueues.TOPICS) {
                needs.add(new Need("topic", topic, false, "Read"));
                needs.add(new Need("topic", topic, false, "Describe"));
            }
            for (String op : List.of("Read", "Describe", "AlterConfigs", "DescribeConfigs")) {
                needs.add(new Need("group", resolve(queueGroup), false, op));
            }
            needs.add(new Need("topic", dev.trainingplatform.contract.Topics.JOBS_DLQ, false, "Write"));
        }
        String sweepGroup = props.getProperty("trainer.sweeps.group");
        if (sweepGroup != null) {
            // The sweep expander: a consumer group on training.sweeps whose offsets commit inside the
            // transaction that writes the trial jobs (Write on each job topic) under a transactional
            // id of its group's name and the instance; it reads training.sweep-results to refuse a
            // sweep id used twice.
            String group = resolve(sweepGroup);
            for (String op : List.of("Read", "Describe")) {
                needs.add(new Need("topic", dev.trainingplatform.contract.Topics.SWEEPS, false, op));
                needs.add(new Need("topic", dev.trainingplatform.contract.Topics.SWEEP_RESULTS, false, op));
            }
            needs.add(new Need("group", group, false, "Read"));
            for (String topic : dev.trainingplatform.contract.JobQueues.TOPICS) {
                needs.add(new Need("topic", topic, false, "Write"));
            }
            needs.add(new Need("transactionalId", group + "-", true, "Write"));
            needs.add(new Need("transactionalId", group + "-", true, "Describe"));
        }
        String reads = props.getProperty("dashboard.reads");
        if (reads != null) {
            // The dashboard's plain consumers: no group, every topic it lists.
            for (String topic : reads.split(",")) {
                needs.add(new Need("topic", topic.strip(), false, "Read"));
                needs.add(new Need("topic", topic.strip(), false, "Describe"));
            }
        }
        for (String key : new TreeSet<>(props.stringPropertyNames())) {
            Matcher channel = Pattern.compile("mp\\.messaging\\.(incoming|outgoing)\\.([^.]+)\\.topic").matcher(key);
            if (channel.matches()) {
                String topic = resolve(props.getProperty(key));
                boolean incoming = channel.group(1).equals("incoming");
                needs.add(new Need("topic", topic, false, incoming ? "Read" : "Write"));
                needs.add(new Need("topic", topic, false, "Describe"));
                if (incoming) {
                    String group = props.getProperty("mp.messaging.incoming." + channel.group(2) + ".group.id");
                    if (group != null) {
                        int variable = group.indexOf("${quarkus.uuid}");
                        needs.add(variable >= 0 ? new Need("group", group.substring(0, variable), true, "Read")
                                : new Need("group", resolve(group), false, "Read"));
                    }
                    String dlq = props.getProperty("mp.messaging.incoming." + channel.group(2) + ".dead-letter-queue.topic");
                    if (dlq != null) {
                        needs.add(new Need("topic", resolve(dlq), false, "Write"));
                    }
                }
            }
        }
        return needs;
    }

    /** ${ENV:default} to its default, as the services run without the variable. */
    private static String resolve(String value) {
        Matcher m = PLACEHOLDER.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(2) == null ? m.group(0) : m.group(2)));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The needs the KafkaUser document does not grant, empty when it grants them all. */
    static List<Need> missing(List<Need> needs, JsonNode kafkaUser) {
        List<Need> missing = new ArrayList<>();
        for (Need need : needs) {
            boolean granted = false;
            for (JsonNode acl : kafkaUser.path("spec").path("authorization").path("acls")) {
                JsonNode r = acl.path("resource");
                boolean aclPrefix = r.path("patternType").asText("literal").equals("prefix");
                String aclName = r.path("name").asText();
                boolean covers = r.path("type").asText().equals(need.resourceType())
                        && (aclPrefix ? need.name().startsWith(aclName) : !need.prefix() && aclName.equals(need.name()));
                boolean allows = false;
                for (JsonNode op : acl.path("operations")) {
                    allows |= op.asText().equals(need.operation()) || op.asText().equals("All");
                }
                granted |= covers && allows;
            }
            if (!granted) {
                missing.add(need);
            }
        }
        return missing;
    }
}
