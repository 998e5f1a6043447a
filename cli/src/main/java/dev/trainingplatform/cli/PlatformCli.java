package dev.trainingplatform.cli;

import dev.trainingplatform.contract.AvroSerializer;
import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.EvaluationResult;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.TrainingJob;
import java.time.Duration;
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
 *   benchmark --workload W [--optimizer adam|sgd|gd] [--epochs N] [--out FILE] [--print-every N]
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
            case "benchmark" -> {
                TrainingJob job = Workloads.job(required(options, "workload"), options.get("optimizer"));
                if (options.containsKey("epochs")) {
                    job.setEpochs(Integer.parseInt(options.get("epochs")));
                }
                return benchmark(kafka, job, java.nio.file.Path.of(options.getOrDefault("out",
                                "results/" + job.getJobId() + ".json")),
                        Integer.parseInt(options.getOrDefault("print-every", "1")),
                        Duration.ofMinutes(Long.parseLong(options.getOrDefault("timeout-minutes", "600"))));
            }
            default -> throw new IllegalArgumentException("unknown command '" + args[0]
                    + "'; commands: create-topics, demo, benchmark");
        }
    }

    static int demo(Map<String, Object> kafka, int epochs, double minAccuracy, Duration timeout) throws Exception {
        // Workload 3 with the tutorial's hyperparameters: Adam 1e-3, batch 32, sparse cross-entropy.
        TrainingJob job = Workloads.job("fashion-mnist", null);
        job.setEpochs(epochs);
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

    /** Runs one workload through the broker and records its history and evaluation in a file. */
    static int benchmark(Map<String, Object> kafka, TrainingJob job, java.nio.file.Path out, int printEvery,
                         Duration timeout) throws Exception {
        List<EpochMetrics> history = new java.util.ArrayList<>();
        List<EvaluationResult> evaluations = new java.util.ArrayList<>();
        JobStatus last;
        try (JobWatcher watcher = new JobWatcher(kafka)) {
            submit(kafka, job);
            System.out.println("submitted " + job.getJobId());
            last = watcher.follow(job.getJobId(), timeout, new JobWatcher.Listener() {
                @Override
                public void status(JobStatus status) {
                    System.out.println(ResultPrinter.status(status));
                }

                @Override
                public void epoch(EpochMetrics metrics) {
                    history.add(metrics);
                    save(out, job, history, evaluations);
                    if (metrics.getEpoch() % printEvery == 0 || metrics.getEpoch() == metrics.getTotalEpochs()) {
                        System.out.println(ResultPrinter.epoch(metrics));
                    }
                }

                @Override
                public void evaluation(EvaluationResult result) {
                    evaluations.add(result);
                    save(out, job, history, evaluations);
                    System.out.println(ResultPrinter.evaluation(result));
                }
            });
        }
        ResultsFile.write(out, job, history, evaluations);
        System.out.println("results written to " + out);
        return last != null && last.getState() == JobState.SUCCEEDED ? 0 : 1;
    }

    /** Written after every event, so a long run cut short still leaves its history. */
    private static void save(java.nio.file.Path out, TrainingJob job, List<EpochMetrics> history,
                             List<EvaluationResult> evaluations) {
        try {
            ResultsFile.write(out, job, history, evaluations);
        } catch (java.io.IOException e) {
            System.err.println("cannot write " + out + ": " + e.getMessage());
        }
    }

    private static String required(Map<String, String> options, String name) {
        String v = options.get(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
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
