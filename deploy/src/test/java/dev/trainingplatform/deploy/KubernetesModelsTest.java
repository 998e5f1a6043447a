package dev.trainingplatform.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every rendered document read strictly into the model of the operator that consumes it: Strimzi's
 * own API classes (io.strimzi:api, the supported Strimzi version), fabric8's Kubernetes model for core
 * kinds, a typed KEDA model; and each service's KafkaUser checked against what its configuration uses.
 */
class KubernetesModelsTest {

    /** Kafka versions Strimzi 1.2 runs (its release notes); share groups need 4.2 or newer. */
    static final Set<String> STRIMZI_KAFKA_VERSIONS = Set.of("4.2.0", "4.2.1", "4.3.0", "4.3.1");

    private static JsonNode first(String overlay, String kind, String name) throws Exception {
        return RenderedOverlays.all().get(overlay).stream()
                .filter(d -> kind.equals(d.path("kind").asText()) && (name == null || name.equals(d.path("metadata").path("name").asText())))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in " + overlay));
    }

    @org.junit.jupiter.api.BeforeAll
    static void strimziModelsNeedJava21() {
        org.junit.jupiter.api.Assumptions.assumeTrue(OperatorModels.strimziModelsLoad(),
                "Strimzi 1.2's API classes are compiled for Java 21; this JVM is " + Runtime.version()
                        + " (the deploy module runs its tests on a Java 21+ JVM where one is installed, see its pom)");
    }

    @Test
    void everyRenderedDocumentIsValidForItsOperatorsOwnModel() throws Exception {
        Set<String> kinds = new TreeSet<>();
        for (Map.Entry<String, List<JsonNode>> overlay : RenderedOverlays.all().entrySet()) {
            for (JsonNode doc : overlay.getValue()) {
                OperatorModels.strict(doc);
                kinds.add(doc.path("kind").asText());
            }
        }
        assertThat(kinds).contains("Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser", "Deployment", "ScaledObject");
    }

    @Test
    void theKafkaClusterRunsAVersionTheSupportedStrimziRunsWithoutObsoleteAnnotations() throws Exception {
        for (String overlay : RenderedOverlays.all().keySet()) {
            JsonNode kafka = first(overlay, "Kafka", null);
            assertThat(kafka.path("spec").path("kafka").path("version").asText()).isIn(STRIMZI_KAFKA_VERSIONS);
            // Ignored since Strimzi 0.48: KRaft and node pools are the only mode.
            assertThat(kafka.path("metadata").path("annotations").has("strimzi.io/kraft")).isFalse();
            assertThat(kafka.path("metadata").path("annotations").has("strimzi.io/node-pools")).isFalse();
        }
    }

    @Test
    void anUnknownFieldIsRefused() throws Exception {
        ObjectNode kafka = first("cpu", "Kafka", null).deepCopy();
        ((ObjectNode) kafka.path("spec").path("kafka")).set("listners", kafka.path("spec").path("kafka").path("listeners"));
        assertThatThrownBy(() -> OperatorModels.strict(kafka)).hasMessageContaining("unknown field(s) [Kafka.spec.kafka.listners]");
        ObjectNode trainer = first("cpu", "Deployment", "trainer").deepCopy();
        ((ObjectNode) trainer.path("spec").path("template").path("spec").path("containers").get(0)).put("resource", "typo");
        assertThatThrownBy(() -> OperatorModels.strict(trainer)).hasMessageContaining("resource");
        ObjectNode scaled = first("cpu", "ScaledObject", "trainer").deepCopy();
        ((ObjectNode) scaled.path("spec").path("triggers").get(0).path("metadata")).put("treshold", "1");
        assertThatThrownBy(() -> OperatorModels.strict(scaled)).hasMessageContaining("treshold");
    }

    @Test
    void aRemovedApiVersionIsRefused() throws Exception {
        ObjectNode user = first("cpu", "KafkaUser", "trainer").deepCopy();
        user.put("apiVersion", "kafka.strimzi.io/v1beta2"); // removed in Strimzi 1.0
        assertThatThrownBy(() -> OperatorModels.strict(user))
                .hasMessageContaining("apiVersion kafka.strimzi.io/v1beta2 is not served; the model's is kafka.strimzi.io/v1");
    }

    @Test
    void eachServicesKafkaUserGrantsEveryTopicAndGroupItsConfigurationUses() throws Exception {
        for (String service : List.of("trainer", "evaluator", "dashboard")) {
            List<ServiceAccess.Need> needs = ServiceAccess.needs(RenderedOverlays.ROOT.resolve(
                    RenderedOverlays.module(service) + "/src/main/resources/application.properties"));
            assertThat(ServiceAccess.missing(needs, first("cpu", "KafkaUser", service))).as(service).isEmpty();
        }
        // The derivation sees the per-instance cancel group, the one the manifests once forgot.
        assertThat(ServiceAccess.needs(RenderedOverlays.ROOT.resolve("trainer-service/src/main/resources/application.properties")))
                .contains(new ServiceAccess.Need("group", "trainer-cancellations-", true, "Read"),
                        new ServiceAccess.Need("topic", "training.jobs.dlq", false, "Write"));
        // The dashboard reads with plain consumers: what dashboard.reads lists, and it sends cancel requests.
        assertThat(ServiceAccess.needs(RenderedOverlays.ROOT.resolve("dashboard/src/main/resources/application.properties")))
                .contains(new ServiceAccess.Need("topic", "training.status", false, "Read"),
                        new ServiceAccess.Need("topic", "training.jobs.low", false, "Read"),
                        new ServiceAccess.Need("topic", "training.cancellations", false, "Write"));
        // The job queue is a share group read outside SmallRye: its topics and group are derived too.
        assertThat(ServiceAccess.needs(RenderedOverlays.ROOT.resolve("trainer-service/src/main/resources/application.properties")))
                .contains(new ServiceAccess.Need("topic", "training.jobs.high", false, "Read"),
                        new ServiceAccess.Need("topic", "training.jobs.low", false, "Read"),
                        new ServiceAccess.Need("group", "trainer", false, "AlterConfigs"));
        // The sweep expander writes trial jobs in transactions: the job topics and its transactional ids.
        assertThat(ServiceAccess.needs(RenderedOverlays.ROOT.resolve("trainer-service/src/main/resources/application.properties")))
                .contains(new ServiceAccess.Need("topic", "training.jobs", false, "Write"),
                        new ServiceAccess.Need("transactionalId", "sweep-expander-", true, "Write"),
                        new ServiceAccess.Need("group", "sweep-expander", false, "Read"));
    }

    @Test
    void aMissingGroupAclIsFound() throws Exception {
        ObjectNode user = first("cpu", "KafkaUser", "trainer").deepCopy();
        ArrayNode acls = (ArrayNode) user.path("spec").path("authorization").path("acls");
        for (int i = acls.size() - 1; i >= 0; i--) {
            if (acls.get(i).path("resource").path("name").asText().equals("trainer-cancellations-")) {
                acls.remove(i);
            }
        }
        assertThat(ServiceAccess.missing(ServiceAccess.needs(RenderedOverlays.ROOT.resolve(
                "trainer-service/src/main/resources/application.properties")), user))
                .extracting(ServiceAccess.Need::toString).containsExactly("Read on group trainer-cancellations-*");
    }
}
