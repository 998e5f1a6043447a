package dev.trainingplatform.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a manifest document into the typed model its operator ships, strictly: the apiVersion must
 * be the one the model serves, and no field may be unknown to it. Strimzi's and fabric8's models keep
 * unknown fields in an additionalProperties map instead of failing, so after Jackson has read the
 * document the object graph is walked and any additional property is reported with its path.
 */
final class OperatorModels {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    /**
     * Kind to model class, by name: Strimzi 1.2's API classes are compiled for Java 21, so they are
     * loaded when the tests run (on Java 21 or newer, see the deploy module's pom) rather than named
     * at compile time, which is Java 17 like the rest of the build.
     */
    private static final Map<String, String> MODELS = Map.ofEntries(
            Map.entry("Kafka", "io.strimzi.api.kafka.model.kafka.Kafka"),
            Map.entry("KafkaNodePool", "io.strimzi.api.kafka.model.nodepool.KafkaNodePool"),
            Map.entry("KafkaTopic", "io.strimzi.api.kafka.model.topic.KafkaTopic"),
            Map.entry("KafkaUser", "io.strimzi.api.kafka.model.user.KafkaUser"),
            Map.entry("Deployment", "io.fabric8.kubernetes.api.model.apps.Deployment"),
            Map.entry("ConfigMap", "io.fabric8.kubernetes.api.model.ConfigMap"),
            Map.entry("Namespace", "io.fabric8.kubernetes.api.model.Namespace"),
            Map.entry("PersistentVolumeClaim", "io.fabric8.kubernetes.api.model.PersistentVolumeClaim"),
            Map.entry("Secret", "io.fabric8.kubernetes.api.model.Secret"),
            Map.entry("Service", "io.fabric8.kubernetes.api.model.Service"),
            Map.entry("ScaledObject", KedaModels.ScaledObject.class.getName()),
            Map.entry("TriggerAuthentication", KedaModels.TriggerAuthentication.class.getName()));

    private OperatorModels() {}

    /** Strimzi's models load only on Java 21 or newer. */
    static boolean strimziModelsLoad() {
        return Runtime.version().feature() >= 21;
    }

    /** The document as its typed model, or an IllegalArgumentException saying what does not fit. */
    static Object strict(JsonNode doc) {
        String kind = doc.path("kind").asText();
        String modelName = MODELS.get(kind);
        if (modelName == null) {
            throw new IllegalArgumentException("no typed model for kind '" + kind + "'");
        }
        Class<?> model;
        try {
            model = Class.forName(modelName);
        } catch (ClassNotFoundException | UnsupportedClassVersionError e) {
            throw new IllegalStateException("cannot load " + modelName + " on Java " + Runtime.version(), e);
        }
        String expected = HasMetadata.class.isAssignableFrom(model)
                ? HasMetadata.getApiVersion(model.asSubclass(HasMetadata.class)) : KedaModels.API_VERSION;
        String apiVersion = doc.path("apiVersion").asText();
        if (!apiVersion.equals(expected)) {
            throw new IllegalArgumentException(kind + " " + name(doc) + ": apiVersion " + apiVersion
                    + " is not served; the model's is " + expected);
        }
        Object typed;
        try {
            typed = JSON.treeToValue(doc, model);
        } catch (Exception e) {
            throw new IllegalArgumentException(kind + " " + name(doc) + ": " + e.getMessage(), e);
        }
        List<String> unknown = new ArrayList<>();
        walk(typed, kind, unknown, new IdentityHashMap<>());
        if (typed instanceof KedaModels.ScaledObject scaled) {
            for (KedaModels.Trigger trigger : scaled.spec().triggers()) {
                java.util.Set<String> keys = switch (trigger.type()) {
                    case "kafka" -> KedaModels.KAFKA_TRIGGER_KEYS;
                    case "prometheus" -> KedaModels.PROMETHEUS_TRIGGER_KEYS;
                    default -> null;
                };
                if (keys == null) {
                    unknown.add("spec.triggers.type " + trigger.type());
                } else {
                    trigger.metadata().keySet().stream().filter(k -> !keys.contains(k))
                            .forEach(k -> unknown.add("spec.triggers.metadata." + k));
                }
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(kind + " " + name(doc) + ": unknown field(s) " + unknown);
        }
        return typed;
    }

    private static String name(JsonNode doc) {
        return doc.path("metadata").path("name").asText();
    }

    private static void walk(Object node, String path, List<String> unknown, IdentityHashMap<Object, Boolean> seen) {
        if (node == null || seen.put(node, Boolean.TRUE) != null) {
            return;
        }
        if (node instanceof Collection<?> list) {
            int i = 0;
            for (Object item : list) {
                walk(item, path + "[" + i++ + "]", unknown, seen);
            }
            return;
        }
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> walk(v, path + "." + k, unknown, seen));
            return;
        }
        String pkg = node.getClass().getPackageName();
        if (!pkg.startsWith("io.strimzi.api") && !pkg.startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : node.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
                continue;
            }
            Object value;
            try {
                value = getter.invoke(node);
            } catch (ReflectiveOperationException | RuntimeException e) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    extra.keySet().forEach(k -> unknown.add(path + "." + k));
                }
                continue;
            }
            String field = Character.toLowerCase(getter.getName().charAt(3)) + getter.getName().substring(4);
            walk(value, path + "." + field, unknown, seen);
        }
    }
}
