package dev.trainingplatform.bench;

import ai.djl.ndarray.types.Shape;
import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.LossType;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.contract.OptimizerSpec;
import dev.trainingplatform.contract.OptimizerType;
import dev.trainingplatform.contract.ReferenceWorkloads;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.ml.data.LoadedDataset;
import dev.trainingplatform.ml.data.Split;
import dev.trainingplatform.ml.train.Training;
import dev.trainingplatform.ml.train.admission.JobLimits;
import dev.trainingplatform.ml.train.admission.TrainingPlan;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Steady-state training throughput of one workload through the trainer's own loop
 * ({@link Training#run}: batches gathered from in-memory arrays, the guarded step, the evaluators),
 * on generated data of the workload's shapes, with its tutorial's model, batch size and optimizer.
 * Times {@code steps} batches after {@code warmup} batches and prints {@code samples_per_second=...},
 * the step's matrix work per sample ({@code training_flops_per_sample=...}, ModelFlops) and the
 * intra-op threads the trainer chose, {@code intra_op_threads=...}. python/reference.py does
 * the same in PyTorch for Python.
 *
 * <pre>java -Dai.djl.pytorch.num_threads=2 -jar benchmarks/target/benchmarks.jar WORKLOAD [WARMUP STEPS [BATCH]]</pre>
 */
public final class TrainingThroughput {

    /**
     * One workload: its preset, batch size and Adam's learning rate (from the contract's
     * {@link ReferenceWorkloads}, where the workloads are defined once), and what the generated data
     * needs: one sample's shape, classes (0: regression), samples.
     */
    record Workload(String preset, int batchSize, double learningRate, Shape sampleShape, int classes, int samples) {
        Workload(String name, Shape sampleShape, int classes, int samples) {
            this(ReferenceWorkloads.named(name).preset(), ReferenceWorkloads.named(name).batchSize(),
                    ReferenceWorkloads.named(name).learningRate(), sampleShape, classes, samples);
        }
    }

    static final java.util.Map<String, Workload> WORKLOADS = java.util.Map.of(
            "fashion-mnist", new Workload("fashion-mnist", new Shape(28, 28), 10, 60_000),
            "forda", new Workload("forda", new Shape(1, 500), 2, 3_601),
            "regression", new Workload("regression", new Shape(1), 0, 400),
            "cifar10", new Workload("cifar10", new Shape(3, 32, 32), 10, 45_000),
            "imdb", new Workload("imdb", new Shape(200), 2, 25_000));

    private TrainingThroughput() {}

    public static void main(String[] args) {
        if (args.length < 1 || !WORKLOADS.containsKey(args[0])) {
            System.err.println("usage: TrainingThroughput WORKLOAD [WARMUP STEPS [BATCH]]; workloads: " + WORKLOADS.keySet());
            System.exit(2);
        }
        Workload w = WORKLOADS.get(args[0]);
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        if (args.length > 3) { // another batch size, for sweeps (the thread count's crossover)
            w = new Workload(w.preset(), Integer.parseInt(args[3]), w.learningRate(), w.sampleShape(), w.classes(),
                    w.samples());
        }
        double samplesPerSecond = measure(w, warmup, steps);
        System.out.printf(Locale.ROOT, "samples_per_second=%.1f%n", samplesPerSecond);
        // The step's matrix work per sample (ModelFlops), for the roofline against GemmRate.
        ModelFlops.Count flops = ModelFlops.of(dev.trainingplatform.ml.model.Presets.resolve(
                ModelSpec.newBuilder().setPreset(w.preset()).build()).getLayers(), w.sampleShape());
        System.out.printf(Locale.ROOT, "training_flops_per_sample=%d%n", flops.trainingFlops());
        // What the trainer chose for this model (one thread for small batches, see IntraOpThreads).
        System.out.printf(Locale.ROOT, "intra_op_threads=%d%n", ai.djl.pytorch.jni.JniUtils.getNumThreads());
    }

    static double measure(Workload w, int warmup, int steps) {
        LoadedDataset data = generate(w, new Random(42));
        int batchesPerEpoch = Math.max(1, w.samples() / w.batchSize());
        TrainingJob job = job(w, "throughput-" + w.preset(), (warmup + steps) / batchesPerEpoch + 2);
        long[] batches = {0};
        long[] started = {0};
        long[] ended = {0};
        Training.run(TrainingPlan.of(job, data, JobLimits.defaults()), new Training.Observer() {
            @Override
            public void epochFinished(Training.EpochResult result, Training.Snapshot snapshot) {
            }

            @Override
            public void batchFinished() {
                batches[0]++;
                if (batches[0] == warmup) {
                    started[0] = System.nanoTime();
                } else if (batches[0] == warmup + steps) {
                    ended[0] = System.nanoTime();
                }
            }

            @Override
            public boolean stopRequested() {
                return batches[0] >= warmup + steps;
            }
        });
        return (double) steps * w.batchSize() / ((ended[0] - started[0]) / 1e9);
    }

    /** The workload's training job: its tutorial's model, batch size and Adam, the last partial batch dropped, no test set. */
    static TrainingJob job(Workload w, String jobId, int epochs) {
        return TrainingJob.newBuilder()
                .setJobId(jobId)
                .setModel(ModelSpec.newBuilder().setPreset(w.preset()).build())
                .setDataset(DatasetSpec.newBuilder().setName("generated").build())
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(w.learningRate()).build())
                .setLoss(w.classes() == 0 ? LossType.MSE : LossType.SOFTMAX_CROSS_ENTROPY)
                .setBatchSize(w.batchSize())
                .setDropLastBatch(true)
                .setEpochs(epochs)
                .setTestEveryEpoch(false)
                .build();
    }

    /** Random data of the workload's shapes and value ranges; the work per batch does not depend on the values. */
    static LoadedDataset generate(Workload w, Random random) {
        int perSample = (int) w.sampleShape().size();
        float[] features = new float[w.samples() * perSample];
        float[] labels = new float[w.samples()];
        for (int i = 0; i < w.samples(); i++) {
            for (int j = 0; j < perSample; j++) {
                features[i * perSample + j] = switch (w.preset()) {
                    case "imdb-transformer" -> 1 + random.nextInt(19_999);
                    case "forda-cnn" -> (float) random.nextGaussian();
                    case "regression-mlp" -> 5f * i / (w.samples() - 1);
                    default -> random.nextInt(256);
                };
            }
            labels[i] = w.classes() == 0
                    ? (float) (Math.sqrt(features[i]) + Math.sin(features[i]) + 0.2 * random.nextGaussian())
                    : random.nextInt(w.classes());
        }
        Split train = new Split(features, w.sampleShape(), labels);
        List<String> classes = java.util.stream.IntStream.range(0, w.classes()).mapToObj(c -> "class-" + c).toList();
        return new LoadedDataset("generated", train, train.head(w.batchSize()), classes);
    }
}
