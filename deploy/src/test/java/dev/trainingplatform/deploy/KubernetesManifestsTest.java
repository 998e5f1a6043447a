package dev.trainingplatform.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trainingplatform.contract.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Renders every overlay with kubectl kustomize and checks what the objects promise. */
class KubernetesManifestsTest {

    static final Path ROOT = RenderedOverlays.ROOT;
    static final Set<String> HEALTH = Set.of("/q/health/live", "/q/health/ready", "/q/health/started");
    static Map<String, List<JsonNode>> RENDERED;

    @BeforeAll
    static void render() throws Exception {
        RENDERED = RenderedOverlays.all();
    }

    private static List<JsonNode> kind(String overlay, String kind) {
        return RENDERED.get(overlay).stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
    }

    private static JsonNode deployment(String overlay, String name) {
        return kind(overlay, "Deployment").stream().filter(d -> name.equals(d.path("metadata").path("name").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("no Deployment " + name + " in " + overlay));
    }

    private static JsonNode container(JsonNode deployment) {
        return deployment.path("spec").path("template").path("spec").path("containers").get(0);
    }

    /** The default of ${NAME:default} for a property in a service's application.properties. */
    private static String propertyDefault(String service, String property) throws IOException {
        String props = Files.readString(ROOT.resolve(RenderedOverlays.module(service) + "/src/main/resources/application.properties"));
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(property) + "=\\$\\{[A-Z_]+:([^}]*)}").matcher(props);
        assertThat(m.find()).as(property + " in " + service).isTrue();
        return m.group(1);
    }

    @Test
    void probesUseTheHealthEndpointsOnTheServicesOwnPorts() throws Exception {
        for (String overlay : RENDERED.keySet()) {
            for (String service : List.of("trainer", "evaluator", "dashboard")) {
                JsonNode c = container(deployment(overlay, service));
                int port = c.path("ports").get(0).path("containerPort").asInt();
                assertThat(String.valueOf(port)).isEqualTo(propertyDefault(service, "quarkus.http.port"));
                assertThat(c.path("ports").get(0).path("name").asText()).isEqualTo("http");
                for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                    JsonNode get = c.path(probe).path("httpGet");
                    assertThat(get.path("port").asText()).as(service + " " + probe).isEqualTo("http");
                    assertThat(HEALTH).as(service + " " + probe).contains(get.path("path").asText());
                }
                assertThat(c.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/live");
                assertThat(c.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/ready");
            }
        }
    }

    @Test
    void kafkaTopicsAreExactlyTheContractsTopicsWithTheirConfigs() {
        for (String overlay : RENDERED.keySet()) {
            Map<String, JsonNode> topics = new TreeMap<>();
            kind(overlay, "KafkaTopic").forEach(t -> topics.put(t.path("spec").path("topicName").asText(), t.path("spec")));
            assertThat(topics.keySet()).containsExactlyInAnyOrderElementsOf(
                    Topics.all(4).stream().map(Topics.TopicSpec::name).toList());
            for (Topics.TopicSpec spec : Topics.all(4)) {
                JsonNode t = topics.get(spec.name());
                assertThat(t.path("partitions").asInt()).as(spec.name()).isEqualTo(spec.partitions());
                spec.configs().forEach((k, v) -> assertThat(t.path("config").path(k).asText()).as(spec.name() + " " + k).isEqualTo(v));
            }
            JsonNode kafka = kind(overlay, "Kafka").get(0).path("spec").path("kafka").path("config");
            assertThat(kafka.path("message.max.bytes").asLong()).isGreaterThanOrEqualTo(Topics.CHECKPOINT_MAX_MESSAGE_BYTES);
            assertThat(kind(overlay, "KafkaNodePool")).hasSize(1);
        }
    }

    @Test
    void onlyTheGpuOverlayAsksForAGpuAndOnlyForTrainers() {
        for (JsonNode d : kind("cpu", "Deployment")) {
            assertThat(container(d).path("resources").path("limits").has("nvidia.com/gpu")).isFalse();
        }
        assertThat(container(deployment("gpu", "trainer")).path("resources").path("limits").path("nvidia.com/gpu").asInt())
                .isEqualTo(1);
        assertThat(container(deployment("gpu", "evaluator")).path("resources").path("limits").has("nvidia.com/gpu")).isFalse();
        // The GPU patch adds to the limits, it does not replace the memory limit.
        assertThat(container(deployment("gpu", "trainer")).path("resources").path("limits").has("memory")).isTrue();
    }

    @Test
    void imagesFitTheirOverlay() {
        assertThat(container(deployment("cpu", "trainer")).path("image").asText()).isEqualTo("training-platform/trainer-service:0.1.0-cpu");
        assertThat(container(deployment("gpu", "trainer")).path("image").asText()).isEqualTo("training-platform/trainer-service:0.1.0-gpu");
        for (String overlay : RENDERED.keySet()) {
            assertThat(container(deployment(overlay, "evaluator")).path("image").asText())
                    .isEqualTo("training-platform/evaluator-service:0.1.0-cpu");
        }
    }

    @Test
    void configAndCredentialsComeFromObjectsThatExistAndSettingsTheServicesRead() throws Exception {
        String properties = Files.readString(ROOT.resolve("trainer-service/src/main/resources/application.properties"))
                + Files.readString(ROOT.resolve("evaluator-service/src/main/resources/application.properties"))
                + Files.readString(ROOT.resolve("dashboard/src/main/resources/application.properties"));
        for (String overlay : RENDERED.keySet()) {
            JsonNode config = kind(overlay, "ConfigMap").get(0);
            Set<String> users = new java.util.TreeSet<>();
            kind(overlay, "KafkaUser").forEach(u -> users.add(u.path("metadata").path("name").asText()));
            config.path("data").fieldNames().forEachRemaining(key -> {
                // Either one of the services' own overrides, or Kafka client settings under kafka.*.
                boolean used = properties.contains("${" + key + ":") || key.startsWith("KAFKA_");
                assertThat(used).as(key + " is read by a service").isTrue();
            });
            for (String service : List.of("trainer", "evaluator", "dashboard")) {
                JsonNode c = container(deployment(overlay, service));
                assertThat(c.path("envFrom").get(0).path("configMapRef").path("name").asText())
                        .isEqualTo(config.path("metadata").path("name").asText());
                JsonNode secret = c.path("env").get(0);
                assertThat(secret.path("name").asText()).isEqualTo("KAFKA_SASL_JAAS_CONFIG");
                // Each service authenticates as its own KafkaUser (least privilege, kafka-users.yaml).
                assertThat(secret.path("valueFrom").path("secretKeyRef").path("name").asText()).isEqualTo(service)
                        .isIn(users);
            }
        }
    }

    @Test
    void trainersScaleOnTheQueueDepthAndMayOutnumberThePartitions() throws Exception {
        String trainerSource = Files.readString(ROOT.resolve(
                "trainer-service/src/main/java/dev/trainingplatform/trainer/QueueDepth.java"));
        for (String overlay : RENDERED.keySet()) {
            JsonNode scaled = kind(overlay, "ScaledObject").get(0).path("spec");
            assertThat(scaled.path("scaleTargetRef").path("name").asText()).isEqualTo("trainer");
            assertThat(scaled.path("triggers")).hasSize(1);
            JsonNode trigger = scaled.path("triggers").get(0);
            // Not the Kafka scaler: it reads consumer-group lag, which a share group does not have.
            assertThat(trigger.path("type").asText()).isEqualTo("prometheus");
            String query = trigger.path("metadata").path("query").asText();
            // The metric the trainer exports (Micrometer's trainer.queue.depth, Prometheus-named),
            // max across trainers (each reports the same depth), summed over the queues.
            assertThat(trainerSource).contains("\"trainer.queue.depth\"");
            assertThat(query).contains("trainer_queue_depth").contains("max by (queue)").startsWith("sum(");
            assertThat(trigger.path("metadata").path("threshold").asText()).isEqualTo("1");
            // Prometheus finds the trainers' metrics where Quarkus serves them.
            JsonNode annotations = deployment(overlay, "trainer").path("spec").path("template").path("metadata")
                    .path("annotations");
            assertThat(annotations.path("prometheus.io/scrape").asText()).isEqualTo("true");
            assertThat(annotations.path("prometheus.io/path").asText())
                    .isEqualTo(propertyDefaultOrValue("trainer", "quarkus.micrometer.export.prometheus.path"));
            assertThat(annotations.path("prometheus.io/port").asText())
                    .isEqualTo(container(deployment(overlay, "trainer")).path("ports").get(0).path("containerPort").asText());
            // A queue, not a log: no partition count caps the trainers any more.
            int partitions = kind(overlay, "KafkaTopic").stream()
                    .filter(t -> Topics.JOBS.equals(t.path("spec").path("topicName").asText()))
                    .findFirst().orElseThrow().path("spec").path("partitions").asInt();
            assertThat(scaled.path("maxReplicaCount").asInt()).isGreaterThan(partitions);
            // The HPA owns the count: a replicas field would reset the fleet on every apply.
            assertThat(deployment(overlay, "trainer").path("spec").has("replicas")).isFalse();
            // One trainer always runs to report the depth; scale-down is paced by the HPA's window.
            assertThat(scaled.path("minReplicaCount").asInt()).isEqualTo(1);
            assertThat(scaled.path("advanced").path("horizontalPodAutoscalerConfig").path("behavior").path("scaleDown")
                    .path("stabilizationWindowSeconds").asInt()).isPositive();
        }
    }

    /** A property's value in a service's application.properties, or the default of its ${NAME:default}. */
    private static String propertyDefaultOrValue(String service, String property) throws IOException {
        String props = Files.readString(ROOT.resolve(RenderedOverlays.module(service) + "/src/main/resources/application.properties"));
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(property) + "=(.*)$").matcher(props);
        assertThat(m.find()).as(property + " in " + service).isTrue();
        Matcher d = Pattern.compile("\\$\\{[A-Z_]+:([^}]*)}").matcher(m.group(1).trim());
        return d.matches() ? d.group(1) : m.group(1).trim();
    }

    @Test
    void gpuTrainersNeedOnlyTheDevicePluginsResourceNotANodeLabel() {
        JsonNode spec = deployment("gpu", "trainer").path("spec").path("template").path("spec");
        // nvidia.com/gpu.present is set by GPU Feature Discovery, not by the device plugin alone.
        assertThat(spec.path("nodeSelector").has("nvidia.com/gpu.present")).isFalse();
        assertThat(spec.path("tolerations").get(0).path("key").asText()).isEqualTo("nvidia.com/gpu");
    }
}
