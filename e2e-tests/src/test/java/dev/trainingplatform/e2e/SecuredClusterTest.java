package dev.trainingplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.trainingplatform.contract.AvroSerializer;
import dev.trainingplatform.contract.CancelRequest;
import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.EvaluationResult;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.contract.OptimizerSpec;
import dev.trainingplatform.contract.OptimizerType;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.ml.testdata.FashionMnistFiles;
import dev.trainingplatform.testkafka.ContractClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Least privilege on a real broker: SASL/SCRAM-SHA-512 over TLS, every request authorized by the ACLs
 * of the Kubernetes base's KafkaUsers (deploy/kubernetes/base/kafka-users.yaml, applied as written),
 * both services running as their own principals. Unauthenticated clients are refused, a user cannot
 * forge what only the services may write, and a job still runs, is evaluated and can be cancelled.
 */
class SecuredClusterTest {

    static final Duration WAIT = Duration.ofMinutes(3);
    static final Path ROOT = ServiceProcess.root();
    static final String ADMIN_PASSWORD = "admin-" + UUID.randomUUID();
    static final Map<String, String> PASSWORDS = new HashMap<>();
    static final List<ServiceProcess> SERVICES = new ArrayList<>();
    static KafkaProcess kafka;
    static KafkaProcess.Tls tls;
    static Path work;
    static Path data;
    static ContractClient user;

    @BeforeAll
    static void startASecuredStack() throws Exception {
        work = Files.createTempDirectory("secured-");
        tls = KafkaProcess.Tls.generate(work.resolve("tls"));
        kafka = KafkaProcess.startSecured(ROOT, work.resolve("kafka"), tls, ADMIN_PASSWORD);
        List<AclBinding> acls = aclsOfTheKubernetesBase();
        try (Admin admin = Admin.create(clientConfig("admin", ADMIN_PASSWORD))) {
            List<UserScramCredentialUpsertion> users = new ArrayList<>();
            for (String principal : acls.stream().map(a -> a.entry().principal().substring("User:".length())).distinct().toList()) {
                PASSWORDS.put(principal, principal + "-" + UUID.randomUUID());
                users.add(new UserScramCredentialUpsertion(principal,
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), PASSWORDS.get(principal)));
            }
            admin.alterUserScramCredentials(new ArrayList<>(users)).all().get(60, TimeUnit.SECONDS);
            admin.createAcls(acls).all().get(60, TimeUnit.SECONDS);
        }
        data = FashionMnistFiles.write(work.resolve("data/fashion-mnist"), 300, 100, true);
        for (String service : List.of("trainer", "evaluator")) {
            Map<String, String> env = ServiceProcess.environment(kafka.bootstrapServers(), work, data);
            clientConfig(service, PASSWORDS.get(service)).forEach((k, v) -> {
                if (!k.equals("bootstrap.servers")) {
                    env.put("KAFKA_" + k.toUpperCase(Locale.ROOT).replace('.', '_'), v.toString());
                }
            });
            env.put("KAFKA_SESSION_TIMEOUT_MS", "10000");
            SERVICES.add(ServiceProcess.start(service, env, work.resolve("logs")));
        }
        Map<String, Object> userConfig = clientConfig("training-user", PASSWORDS.get("training-user"));
        userConfig.remove("bootstrap.servers");
        user = new ContractClient(kafka.bootstrapServers(), userConfig);
    }

    @AfterAll
    static void stop() throws Exception {
        ServiceProcess.closeAll(SERVICES);
        if (kafka != null) {
            kafka.close();
        }
    }

    /** What a client of {@code principal} sets: SCRAM over TLS, trusting the broker's certificate. */
    static Map<String, Object> clientConfig(String principal, String password) {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", kafka.bootstrapServers());
        config.put("security.protocol", "SASL_SSL");
        config.put("sasl.mechanism", "SCRAM-SHA-512");
        config.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                + principal + "\" password=\"" + password + "\";");
        config.put("ssl.truststore.location", tls.truststore().toString());
        config.put("ssl.truststore.password", tls.password());
        config.put("ssl.truststore.type", "PKCS12");
        return config;
    }

    /** Every KafkaUser's ACLs in the Kubernetes base, as the broker's AclBindings. */
    static List<AclBinding> aclsOfTheKubernetesBase() throws Exception {
        List<AclBinding> bindings = new ArrayList<>();
        Path users = ROOT.resolve("deploy/kubernetes/base/kafka-users.yaml");
        try (MappingIterator<JsonNode> docs = new YAMLMapper().readerFor(JsonNode.class).readValues(users.toFile())) {
            while (docs.hasNext()) {
                JsonNode user = docs.next();
                String principal = "User:" + user.path("metadata").path("name").asText();
                for (JsonNode acl : user.path("spec").path("authorization").path("acls")) {
                    JsonNode r = acl.path("resource");
                    ResourcePattern pattern = new ResourcePattern(
                            ResourceType.fromString(
                                    // Strimzi's transactionalId is Kafka's TRANSACTIONAL_ID
                                    r.path("type").asText().replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT)), r.path("name").asText(),
                            r.path("patternType").asText().equals("prefix") ? PatternType.PREFIXED : PatternType.LITERAL);
                    for (JsonNode operation : acl.path("operations")) {
                        bindings.add(new AclBinding(pattern, new AccessControlEntry(principal, "*",
                                AclOperation.fromString(
                                        // Strimzi's AlterConfigs is Kafka's ALTER_CONFIGS
                                        operation.asText().replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT)), AclPermissionType.ALLOW)));
                    }
                }
            }
        }
        assertThat(bindings).as("ACLs in " + users).isNotEmpty();
        return bindings;
    }

    static TrainingJob.Builder job(int epochs) {
        return TrainingJob.newBuilder()
                .setJobId("secured-" + UUID.randomUUID())
                .setModel(ModelSpec.newBuilder().setPreset("fashion-mnist-mlp").build())
                .setDataset(DatasetSpec.newBuilder().setName("fashion-mnist").build())
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(1e-3).build())
                .setBatchSize(32)
                .setEpochs(epochs);
    }

    private static <T> T withLogs(java.util.concurrent.Callable<T> check) throws Exception {
        try {
            return check.call();
        } catch (AssertionError e) {
            throw ServiceProcess.withLogs(e, SERVICES);
        }
    }

    @Test
    void aClientWithoutCredentialsOrWithAWrongPasswordIsRefused() {
        Map<String, Object> tlsOnly = clientConfig("x", "y");
        tlsOnly.put("security.protocol", "SSL");
        tlsOnly.remove("sasl.mechanism");
        tlsOnly.remove("sasl.jaas.config");
        for (Map<String, Object> config : List.of(tlsOnly, clientConfig("training-user", "not-the-password"))) {
            config.put("default.api.timeout.ms", 10_000);
            config.put("request.timeout.ms", 5_000);
            try (Admin admin = Admin.create(config)) {
                assertThatThrownBy(() -> admin.listTopics().names().get(20, TimeUnit.SECONDS))
                        .as(String.valueOf(config.get("security.protocol"))).isNotNull();
            }
        }
        try (Admin admin = Admin.create(clientConfig("training-user", "not-the-password"))) {
            assertThatThrownBy(() -> admin.listTopics().names().get(20, TimeUnit.SECONDS))
                    .hasRootCauseInstanceOf(SaslAuthenticationException.class);
        }
    }

    @Test
    void aUserCannotForgeAStatusACheckpointOrAnEvaluation() {
        String jobId = "forged-" + UUID.randomUUID();
        byte[] status = new AvroSerializer<JobStatus>().serialize(Topics.STATUS, JobStatus.newBuilder().setJobId(jobId)
                .setState(JobState.SUCCEEDED).setTimestamp(Instant.now()).build());
        for (String topic : List.of(Topics.STATUS, Topics.CHECKPOINTS, Topics.EVALUATIONS, Topics.METRICS,
                Topics.RESUME_POINTS)) {
            assertThatThrownBy(() -> user.send(topic, jobId, status)).as(topic)
                    .hasRootCauseInstanceOf(TopicAuthorizationException.class);
        }
    }

    @Test
    void aJobRunsEndToEndAndAnotherIsCancelledUnderLeastPrivilege() throws Exception {
        TrainingJob job = job(2).setTestEveryEpoch(true).build();
        user.submit(job);
        // Batches of one over 10 000 epochs: minutes of training, so the cancel finds it running. Sent
        // only once the first job is over: one trainer takes one job at a time, in partition order, and
        // the first must not wait behind this one.
        TrainingJob longJob = job(10_000).setBatchSize(1).build();
        withLogs(() -> {
            List<JobStatus> statuses = user.await(Topics.STATUS, JobStatus.class, job.getJobId(),
                    s -> s.stream().anyMatch(x -> x.getState() == JobState.SUCCEEDED || x.getState() == JobState.FAILED), WAIT);
            assertThat(statuses.get(statuses.size() - 1).getState()).as(statuses.toString()).isEqualTo(JobState.SUCCEEDED);
            EvaluationResult result = user.await(Topics.EVALUATIONS, EvaluationResult.class, job.getJobId(),
                    r -> !r.isEmpty(), WAIT).get(0);
            assertThat(result.getError()).isNull();
            assertThat(result.getNumSamples()).isEqualTo(100);
            // The user takes the trained model away: platform-cli export reads its checkpoint as training-user.
            Path config = work.resolve("training-user.properties");
            java.util.Properties props = new java.util.Properties();
            clientConfig("training-user", PASSWORDS.get("training-user")).forEach((k, v) -> props.setProperty(k, v.toString()));
            try (var out = Files.newOutputStream(config)) {
                props.store(out, null);
            }
            CliProcess.Run export = CliProcess.run(ROOT, List.of("export", job.getJobId(), "--out",
                    work.resolve("model.pt").toString(), "--kafka-config", config.toString()));
            assertThat(export.exitCode()).as(export.output()).isZero();
            assertThat(work.resolve("model.pt")).isRegularFile();

            user.submit(longJob);
            user.await(Topics.STATUS, JobStatus.class, longJob.getJobId(),
                    s -> s.stream().anyMatch(x -> x.getState() == JobState.RUNNING), WAIT);
            user.send(Topics.CANCELLATIONS, longJob.getJobId(), new AvroSerializer<CancelRequest>().serialize(
                    Topics.CANCELLATIONS, CancelRequest.newBuilder().setJobId(longJob.getJobId())
                            .setRequestedAt(Instant.now()).build()));
            List<JobStatus> cancelled = user.await(Topics.STATUS, JobStatus.class, longJob.getJobId(),
                    s -> s.stream().anyMatch(x -> x.getState() == JobState.CANCELLED || x.getState() == JobState.FAILED), WAIT);
            assertThat(cancelled.get(cancelled.size() - 1).getState()).isEqualTo(JobState.CANCELLED);
            // Every group and topic each service uses was authorized: no authorization error was logged.
            for (ServiceProcess s : SERVICES) {
                assertThat(s.logContains("AuthorizationException")).as(s.tail()).isFalse();
            }
            return null;
        });
    }
}
