package dev.trainingplatform.deploy;

import java.util.List;
import java.util.Map;

/**
 * The parts of KEDA's ScaledObject and TriggerAuthentication (keda.sh/v1alpha1, KEDA 2.x) these
 * manifests may use, as typed records read with unknown fields failing. Written here because KEDA
 * publishes no Java model on Maven Central; the fields and their meaning follow KEDA's CRDs.
 */
final class KedaModels {

    static final String API_VERSION = "keda.sh/v1alpha1";

    private KedaModels() {}

    /** The kafka scaler's metadata keys (KEDA 2.x docs, "Apache Kafka" scaler). */
    static final java.util.Set<String> KAFKA_TRIGGER_KEYS = java.util.Set.of("bootstrapServers", "consumerGroup", "topic",
            "lagThreshold", "activationLagThreshold", "offsetResetPolicy", "allowIdleConsumers",
            "scaleToZeroOnInvalidOffset", "excludePersistentLag", "version", "partitionLimitation", "sasl", "tls",
            "unsafeSsl", "limitToPartitionsWithLag", "ensureEvenDistributionOfPartitions", "bootstrapServersFromEnv",
            "consumerGroupFromEnv", "topicFromEnv");

    /** The prometheus scaler's metadata keys (KEDA 2.x docs, "Prometheus" scaler). */
    static final java.util.Set<String> PROMETHEUS_TRIGGER_KEYS = java.util.Set.of("serverAddress", "query", "threshold",
            "activationThreshold", "namespace", "customHeaders", "ignoreNullValues", "unsafeSsl", "queryParameters",
            "timeout");

    record Metadata(String name, String namespace, Map<String, String> labels, Map<String, String> annotations) {}

    record ScaledObject(String apiVersion, String kind, Metadata metadata, ScaledObjectSpec spec) {}

    record ScaledObjectSpec(ScaleTarget scaleTargetRef, Integer pollingInterval, Integer cooldownPeriod,
                            Integer idleReplicaCount, Integer minReplicaCount, Integer maxReplicaCount,
                            Advanced advanced, List<Trigger> triggers) {}

    record ScaleTarget(String name, String kind, String apiVersion, String envSourceContainerName) {}

    record Advanced(Boolean restoreToOriginalReplicaCount, HpaConfig horizontalPodAutoscalerConfig) {}

    record HpaConfig(String name, Behavior behavior) {}

    record Behavior(ScalingRules scaleUp, ScalingRules scaleDown) {}

    record ScalingRules(Integer stabilizationWindowSeconds, String selectPolicy, List<Map<String, Object>> policies) {}

    record Trigger(String type, String name, String metricType, Boolean useCachedMetrics, Map<String, String> metadata,
                   AuthenticationRef authenticationRef) {}

    record AuthenticationRef(String name, String kind) {}

    record TriggerAuthentication(String apiVersion, String kind, Metadata metadata, TriggerAuthenticationSpec spec) {}

    record TriggerAuthenticationSpec(List<SecretTargetRef> secretTargetRef) {}

    record SecretTargetRef(String parameter, String name, String key) {}
}
