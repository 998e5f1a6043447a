package dev.trainingplatform.ml.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.listener.EvaluatorTrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.translate.TranslateException;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.OptimizerType;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.ml.DjlRuntime;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.data.Split;
import dev.trainingplatform.ml.eval.TestSetEvaluation;
import java.io.IOException;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The training loop of one job: DJL's Trainer over batches gathered from the in-memory splits, one
 * NDManager per epoch (so nothing a batch allocates outlives its epoch), evaluators for loss and
 * accuracy, and an observer told about every finished epoch.
 */
public final class Training {

    /**
     * What one epoch produced. {@code skippedSteps}: batches whose loss or gradients were not finite
     * and were left out (see {@link GuardedStep}). {@code liveArrays}: NDArrays alive in the trainer,
     * for leak checks.
     */
    public record EpochResult(int epoch, int totalEpochs, double trainLoss, Double trainAccuracy, Double testLoss,
                              Double testAccuracy, long trainSamples, long durationMs, long elapsedMs, long etaMs,
                              int skippedSteps, int liveArrays) {}

    /** This many non-finite steps in a row end the job DIVERGED. */
    static final int MAX_CONSECUTIVE_SKIPPED_STEPS = 10;

    public interface Observer {
        /** @param parameters serializes the current parameters, on demand */
        void epochFinished(EpochResult result, Supplier<byte[]> parameters);

        /** After every training batch: progress for health checks. */
        default void batchFinished() {
        }

        /** Polled between batches: true stops training after the current batch. */
        default boolean stopRequested() {
            return false;
        }
    }

    public enum Outcome { COMPLETED, STOPPED }

    private Training() {}

    public static Outcome run(TrainingPlan plan, Observer observer) {
        TrainingJob job = plan.job();
        Device device = DjlRuntime.device();
        DjlRuntime.engine().setRandomSeed((int) job.getSeed());
        boolean classifier = plan.data().isClassification();
        Loss loss = TrainingComponents.loss(job.getLoss());
        EvaluatorTrainingListener evaluations = new EvaluatorTrainingListener();
        DefaultTrainingConfig config = new DefaultTrainingConfig(loss)
                .optOptimizer(TrainingComponents.optimizer(job.getOptimizer()))
                .optDevices(new Device[] {device})
                .addTrainingListeners(evaluations);
        if (classifier) {
            config.addEvaluator(new Accuracy());
        }
        Split train = plan.data().train();
        Split test = plan.data().test();
        int batchSize = job.getOptimizer().getType() == OptimizerType.GRADIENT_DESCENT ? train.size()
                : Math.min(job.getBatchSize(), train.size());
        boolean dropLast = job.getDropLastBatch() && batchSize < train.size();
        EpochShuffleSampler sampler = new EpochShuffleSampler(batchSize, dropLast, job.getSeed());
        long samplesPerEpoch = dropLast ? (long) (train.size() / batchSize) * batchSize : train.size();

        try (Model model = Model.newInstance("job-" + job.getJobId(), device)) {
            model.setBlock(plan.built().block());
            try (Trainer trainer = model.newTrainer(config);
                 NDManager dataManager = trainer.getManager().newSubManager()) {
                trainer.initialize(new Shape(batchSize).addAll(train.sampleShape()));
                ArrayDataset trainSet = new ArrayDataset.Builder()
                        .setData(train.featuresArray(dataManager))
                        .optLabels(train.labelsArray(dataManager))
                        .setSampling(batchSize, dropLast)
                        .build();
                long started = System.nanoTime();
                int consecutiveSkipped = 0;
                for (int epoch = 1; epoch <= job.getEpochs(); epoch++) {
                    long epochStart = System.nanoTime();
                    sampler.setEpoch(epoch);
                    int applied = 0;
                    int skipped = 0;
                    try (NDManager epochManager = dataManager.newSubManager()) {
                        for (Batch batch : trainSet.getData(epochManager, sampler, null)) {
                            try (batch) {
                                if (GuardedStep.run(trainer, batch)) {
                                    applied++;
                                    consecutiveSkipped = 0;
                                } else {
                                    skipped++;
                                    if (++consecutiveSkipped >= MAX_CONSECUTIVE_SKIPPED_STEPS) {
                                        throw diverged(epoch, consecutiveSkipped + " batches in a row had a non-finite loss or gradient");
                                    }
                                }
                            }
                            observer.batchFinished();
                            if (observer.stopRequested()) {
                                return Outcome.STOPPED;
                            }
                        }
                    }
                    if (applied == 0) {
                        throw diverged(epoch, "no batch of the epoch had a finite loss and gradient");
                    }
                    trainer.notifyListeners(listener -> listener.onEpoch(trainer));
                    Map<String, Float> metrics = evaluations.getLatestEvaluations();
                    double trainLoss = metrics.get("train_" + loss.getName());
                    if (!Double.isFinite(trainLoss)) {
                        throw diverged(epoch, "the training loss is " + trainLoss);
                    }
                    Double trainAccuracy = classifier ? (double) metrics.get("train_Accuracy") : null;
                    Double testLoss = null;
                    Double testAccuracy = null;
                    if (job.getTestEveryEpoch()) {
                        TestSetEvaluation.Outcome t = TestSetEvaluation.run(model.getBlock(), loss, test,
                                job.getEvaluationBatchSize(), plan.data().classNames().size(), dataManager);
                        testLoss = t.meanLoss();
                        testAccuracy = t.accuracy();
                    }
                    long now = System.nanoTime();
                    long durationMs = (now - epochStart) / 1_000_000;
                    long elapsedMs = (now - started) / 1_000_000;
                    long etaMs = elapsedMs / epoch * (job.getEpochs() - epoch);
                    int liveArrays = trainer.getManager() instanceof BaseNDManager base ? base.getManagedArrays().size() : -1;
                    observer.epochFinished(new EpochResult(epoch, job.getEpochs(), trainLoss, trainAccuracy, testLoss,
                            testAccuracy, samplesPerEpoch, durationMs, elapsedMs, etaMs, skipped, liveArrays),
                            () -> ModelParameters.save(model.getBlock()));
                }
                return Outcome.COMPLETED;
            } catch (IOException | TranslateException e) {
                throw new IllegalStateException("reading batches failed", e);
            }
        }
    }

    private static JobRejectedException diverged(int epoch, String why) {
        return new JobRejectedException(ErrorCode.DIVERGED, "training diverged in epoch " + epoch + ": " + why
                + "; try a smaller learning rate");
    }
}
