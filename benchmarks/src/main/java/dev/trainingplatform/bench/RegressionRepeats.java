package dev.trainingplatform.bench;

import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.LossType;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.contract.OptimizerSpec;
import dev.trainingplatform.contract.OptimizerType;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.ml.data.DataSources;
import dev.trainingplatform.ml.data.DatasetCatalog;
import dev.trainingplatform.ml.data.LoadedDataset;
import dev.trainingplatform.ml.train.Training;
import dev.trainingplatform.ml.train.admission.JobLimits;
import dev.trainingplatform.ml.train.admission.TrainingPlan;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The regression tutorial's job (Adam 1e-3, full batch of 400, 4 000 epochs, seed 42) trained
 * {@code runs} times in one JVM through the trainer's own loop, printing per run the last epoch's
 * training loss and validation MSE, the largest rise of the training loss from one epoch to the next
 * and the skipped steps. Runs of the same seed should be bit-identical: a run that is not, or one
 * whose loss jumps, is the sporadic wrong kernel result docs/results.md describes. A benchmark, not
 * a test (minutes, not seconds).
 *
 * <pre>java -Dai.djl.pytorch.num_threads=1 -cp benchmarks/target/benchmarks.jar dev.trainingplatform.bench.RegressionRepeats RUNS</pre>
 */
public final class RegressionRepeats {

    private RegressionRepeats() {}

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        DatasetCatalog catalog = new DatasetCatalog(new DataSources(Map.of(), List.of(),
                Path.of(System.getProperty("java.io.tmpdir"), "regression-repeats"), false));
        TrainingJob job = TrainingJob.newBuilder().setJobId("regression-repeats").setSeed(42).setTestEveryEpoch(true)
                .setModel(ModelSpec.newBuilder().setPreset("regression-mlp").build())
                .setDataset(DatasetSpec.newBuilder().setName("synthetic-regression").build())
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(1e-3).build())
                .setLoss(LossType.MSE).setBatchSize(400).setEvaluationBatchSize(400).setEpochs(4000).build();
        LoadedDataset data = catalog.load(job.getDataset());
        for (int run = 1; run <= runs; run++) {
            double[] last = {Double.NaN, Double.NaN};
            double[] rise = {0, 0};
            int[] skipped = {0};
            Training.run(TrainingPlan.of(job, data, JobLimits.defaults()), new Training.Observer() {
                @Override
                public void epochFinished(Training.EpochResult epoch, Training.Snapshot snapshot) {
                    if (epoch.trainLoss() - last[0] > rise[0]) {
                        rise[0] = epoch.trainLoss() - last[0];
                        rise[1] = epoch.epoch();
                    }
                    last[0] = epoch.trainLoss();
                    last[1] = epoch.testLoss();
                    skipped[0] += epoch.skippedSteps();
                }
            });
            System.out.printf(Locale.ROOT, "run %d: training loss %.6f, validation MSE %.6f, largest rise %.5f at epoch %d, skipped steps %d%n",
                    run, last[0], last[1], rise[0], (int) rise[1], skipped[0]);
        }
    }
}
