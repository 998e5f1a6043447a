package dev.trainingplatform.trainer;

import ai.djl.ndarray.types.Shape;
import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.ReferenceWorkloads;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.ml.data.LoadedDataset;
import dev.trainingplatform.ml.data.Split;
import dev.trainingplatform.ml.train.Training;
import dev.trainingplatform.ml.train.admission.JobLimits;
import dev.trainingplatform.ml.train.admission.TrainingPlan;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Random;
import java.util.stream.IntStream;
import org.jboss.logging.Logger;

/**
 * Pays libtorch's load and the first compiled training step at start-up, before the trainer takes
 * its first job (observed before {@link JobQueue} starts, so the queue waits for it): one epoch of
 * the Fashion-MNIST MLP on 64 random images. Without it the first job of a fresh trainer paid them
 * between QUEUED and its first epoch. Errors are logged, never fatal: the first job then pays as
 * before. TRAINER_WARM_UP=false turns it off.
 */
@ApplicationScoped
public class TrainerWarmUp {

    private static final Logger LOG = Logger.getLogger(TrainerWarmUp.class);

    @Inject
    TrainerConfig config;

    @Inject
    JobLimits limits;

    private volatile long tookMs = -1;

    void warmUp(@Observes @Priority(100) StartupEvent event) {
        if (!config.warmUp()) {
            return;
        }
        long start = System.nanoTime();
        try {
            Random random = new Random(1);
            int n = 64;
            float[] pixels = new float[n * 28 * 28];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = random.nextInt(256);
            }
            float[] labels = new float[n];
            IntStream.range(0, n).forEach(i -> labels[i] = i % 10);
            Split split = new Split(pixels, new Shape(28, 28), labels);
            LoadedDataset data = new LoadedDataset("fashion-mnist", split, split,
                    IntStream.range(0, 10).mapToObj(String::valueOf).toList());
            TrainingJob job = ReferenceWorkloads.named("fashion-mnist").job("trainer-warm-up")
                    .setDataset(DatasetSpec.newBuilder().setName("fashion-mnist").build())
                    .setEpochs(1).build();
            Training.run(TrainingPlan.of(job, data, limits), (result, snapshot) -> { });
            tookMs = (System.nanoTime() - start) / 1_000_000;
            LOG.infof("warmed up in %d ms (libtorch loaded, one epoch of the Fashion-MNIST MLP on 64 random images)",
                    tookMs);
        } catch (RuntimeException | Error e) {
            LOG.warnf(e, "warm-up failed; the first job pays libtorch's load instead");
        }
    }

    /** How long the warm-up took, -1 when it did not run. */
    public long tookMs() {
        return tookMs;
    }
}
