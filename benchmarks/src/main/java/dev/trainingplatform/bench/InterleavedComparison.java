package dev.trainingplatform.bench;

import dev.trainingplatform.bench.TrainingThroughput.Workload;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.ml.data.LoadedDataset;
import dev.trainingplatform.ml.train.Training;
import dev.trainingplatform.ml.train.admission.JobLimits;
import dev.trainingplatform.ml.train.admission.TrainingPlan;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Two variants of our own trainer, one job, alternated block by block: a system property the code
 * under test reads on every step is cleared for one block of batches ("A") and set to a value for the
 * next ("B"), and so on. Prints each variant's samples per second and the median ratio B/A over the
 * pairs of neighbouring blocks (with its quartiles).
 *
 * <p>Why: this machine's speed drifts by tens of percent from one minute to the next (see
 * docs/performance.md), more than most single changes are worth, so that two runs one after the
 * other, or even alternated runs, need many repeats to tell a 5 % change from the drift. Blocks a
 * second or two apart in the same process share the drift. A check of the harness itself: a property
 * nothing reads gave B/A 0.999-1.015 in four runs.
 *
 * <p>Use: put the change behind a property for the comparison (and take the switch out after).
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.trainingplatform.bench.InterleavedComparison WORKLOAD PROPERTY VALUE [BLOCK BLOCKS WARMUP]</pre>
 */
public final class InterleavedComparison {

    private InterleavedComparison() {}

    public static void main(String[] args) {
        if (args.length < 3 || !TrainingThroughput.WORKLOADS.containsKey(args[0])) {
            System.err.println("usage: InterleavedComparison WORKLOAD PROPERTY VALUE [BLOCK BLOCKS WARMUP]; workloads: "
                    + TrainingThroughput.WORKLOADS.keySet());
            System.exit(2);
        }
        Workload w = TrainingThroughput.WORKLOADS.get(args[0]);
        String property = args[1];
        String value = args[2];
        int block = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        int blocks = args.length > 4 ? Integer.parseInt(args[4]) : 60;
        int warmup = args.length > 5 ? Integer.parseInt(args[5]) : 30;
        if (blocks < 2 || blocks % 2 != 0) {
            throw new IllegalArgumentException("BLOCKS must be even and at least 2");
        }
        LoadedDataset data = TrainingThroughput.generate(w, new Random(42));
        TrainingJob job = TrainingThroughput.job(w, "interleaved-" + w.preset(), 1_000_000);
        long total = warmup + (long) block * blocks;
        double[] seconds = new double[2]; // A, B
        List<Double> ratios = new ArrayList<>();
        long[] batches = {0};
        long[] blockStarted = {0};
        double[] lastA = {0};
        System.clearProperty(property);
        Training.run(TrainingPlan.of(job, data, JobLimits.defaults()), new Training.Observer() {
            @Override
            public void epochFinished(Training.EpochResult result, Training.Snapshot snapshot) {
            }

            @Override
            public void batchFinished() {
                long done = ++batches[0] - warmup;
                if (done < 0 || done % block != 0) {
                    return;
                }
                long now = System.nanoTime();
                long finishedBlock = done / block - 1; // -1: the warm-up just ended
                if (finishedBlock >= 0) {
                    int variant = (int) (finishedBlock % 2);
                    double s = (now - blockStarted[0]) / 1e9;
                    seconds[variant] += s;
                    if (variant == 0) {
                        lastA[0] = s;
                    } else {
                        ratios.add(lastA[0] / s); // B's speed over A's: A's time over B's
                    }
                }
                if ((finishedBlock + 1) % 2 == 0) {
                    System.clearProperty(property);
                } else {
                    System.setProperty(property, value);
                }
                blockStarted[0] = System.nanoTime();
            }

            @Override
            public boolean stopRequested() {
                return batches[0] >= total;
            }
        });
        Collections.sort(ratios);
        double samples = (double) block * (blocks / 2) * w.batchSize();
        System.out.printf(Locale.ROOT, "A (%s unset) %.1f samples/s, B (%s=%s) %.1f samples/s, "
                        + "B/A median over %d pairs of blocks %.3f (quartiles %.3f-%.3f)%n",
                property, samples / seconds[0], property, value, samples / seconds[1], ratios.size(),
                ratios.get(ratios.size() / 2), ratios.get(ratios.size() / 4), ratios.get(3 * ratios.size() / 4));
    }
}
