package dev.trainingplatform.cli;

import dev.trainingplatform.contract.AvroSerializer;
import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.EvaluationResult;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.contract.OptimizerSpec;
import dev.trainingplatform.contract.OptimizerType;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.TrainingJob;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The platform's command-line client. Commands:
 * <pre>
 *   create-topics [--partitions N]
 *   demo [--epochs N] [--min-accuracy A] [--timeout-minutes M]
 * </pre>
 * The broker comes from --bootstrap-servers or KAFKA_BOOTSTRAP_SERVERS (default 127.0.0.1:9092).
 */
public final class PlatformCli {

    private PlatformCli() {}

    public static void main(String[] args) {
        try {
            System.exit(run(args));
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            StringBuilder why = new StringBuilder("error: " + e.getMessage());
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                why.append(": ").append(c.getMessage());
            }
            System.err.println(why);
            System.exit(1);
        }
    }

    static int run(String[] args) throws Exception {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: platform-cli (create-topics|demo) [options]");
        }
        Map<String, String> options = options(args);
        String bootstrap = options.getOrDefault("bootstrap-servers",
                System.getenv().getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"));
        Map<String, Object> kafka = new HashMap<>(Map.of("bootstrap.servers", bootstrap));
        switch (args[0]) {
            case "create-topics" -> {
                List<String> created = TopicAdmin.createMissing(kafka, Integer.parseInt(options.getOrDefault("partitions", "4")));
                System.out.println(created.isEmpty() ? "all topics exist" : "created " + String.join(", ", created));
                return 0;
            }
            case "demo" -> {
                return demo(kafka, Integer.parseInt(options.getOrDefault("epochs", "5")),
                        Double.parseDouble(options.getOrDefault("min-accuracy", "0")),
                        Duration.ofMinutes(Long.parseLong(options.getOrDefault("timeout-minutes", "30"))));
            }
            default -> throw new IllegalArgumentException("unknown command '" + args[0] + "'; commands: create-topics, demo");
        }
    }

    /** Workload 3 with the tutorial's hyperparameters: Adam 1e-3, batch 32, sparse cross-entropy. */
    static TrainingJob fashionMnistJob(int epochs) {
        return TrainingJob.newBuilder()
                .setJobId("fashion-mnist-" + Instant.now().toEpochMilli())
                .setModel(ModelSpec.newBuilder().setPreset("fashion-mnist-mlp").build())
                .setDataset(DatasetSpec.newBuilder().setName("fashion-mnist").build())
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(1e-3).build())
                .setBatchSize(32)
                .setEpochs(epochs)
                .setSeed(42)
                .setTestEveryEpoch(true)
                .setSubmittedAt(Instant.now())
                .build();
    }

    static int demo(Map<String, Object> kafka, int epochs, double minAccuracy, Duration timeout) throws Exception {
        TrainingJob job = fashionMnistJob(epochs);
        double[] finalAccuracy = {Double.NaN};
        try (JobWatcher watcher = new JobWatcher(kafka)) {
            submit(kafka, job);
            System.out.println("submitted " + job.getJobId() + " (fashion-mnist-mlp, " + epochs
                    + " epochs, Adam 1e-3, batch 32) to " + Topics.JOBS);
            JobStatus last = watcher.follow(job.getJobId(), timeout, new JobWatcher.Listener() {
                @Override
                public void status(JobStatus status) {
                    System.out.println(ResultPrinter.status(status));
                }

                @Override
                public void epoch(EpochMetrics metrics) {
                    System.out.println(ResultPrinter.epoch(metrics));
                }

                @Override
                public void evaluation(EvaluationResult result) {
                    System.out.println(ResultPrinter.evaluation(result));
                    if (result.getFinalCheckpoint() && result.getTestAccuracy() != null) {
                        finalAccuracy[0] = result.getTestAccuracy();
                    }
                }
            });
            if (last == null || last.getState() != JobState.SUCCEEDED || Double.isNaN(finalAccuracy[0])) {
                System.err.println("the job did not finish with an evaluation within " + timeout
                        + (last == null ? "" : "; last status " + last.getState()));
                return 1;
            }
            if (finalAccuracy[0] < minAccuracy) {
                System.err.printf("test accuracy %.4f is below the expected %.4f%n", finalAccuracy[0], minAccuracy);
                return 1;
            }
            return 0;
        }
    }

    static void submit(Map<String, Object> kafka, TrainingJob job) throws Exception {
        Map<String, Object> props = new HashMap<>(kafka);
        props.put("acks", "all");
        try (KafkaProducer<String, TrainingJob> producer =
                     new KafkaProducer<>(props, new StringSerializer(), new AvroSerializer<>())) {
            producer.send(new ProducerRecord<>(Topics.JOBS, job.getJobId(), job)).get(30, TimeUnit.SECONDS);
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value, got '" + args[i] + "'");
            }
            options.put(args[i].substring(2), args[++i]);
        }
        return options;
    }
}
