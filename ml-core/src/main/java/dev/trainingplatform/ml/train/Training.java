package dev.trainingplatform.ml.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.Layer;
import dev.trainingplatform.contract.LossType;
import dev.trainingplatform.ml.DjlRuntime;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.checkpoint.ModelParameters;
import dev.trainingplatform.ml.checkpoint.TrainingState;
import dev.trainingplatform.ml.data.Split;
import dev.trainingplatform.ml.eval.Losses;
import dev.trainingplatform.ml.eval.TestSetEvaluation;
import dev.trainingplatform.ml.train.admission.TrainingPlan;
import dev.trainingplatform.ml.train.admission.TrainingSettings;
import dev.trainingplatform.ml.train.optimizer.LearningRateSchedules;
import dev.trainingplatform.ml.train.optimizer.Optimizers;
import dev.trainingplatform.ml.train.optimizer.ResumableOptimizer;
import dev.trainingplatform.ml.train.step.GuardedStep;
import java.util.List;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop of one job: DJL's Trainer over batches gathered from the in-memory splits, one
 * NDManager per epoch (so nothing a batch allocates outlives its epoch), the training loss and an
 * accuracy evaluator accumulated per epoch, and an observer told about every finished epoch.
 */
public final class Training {

    private static final Logger LOG = LoggerFactory.getLogger(Training.class);

    /**
     * What one epoch produced. {@code skippedSteps}: batches whose loss or gradients were not finite
     * and were left out (see {@link GuardedStep}). {@code best}: the epoch improved the job's
     * {@code checkpoint.keepBest} metric. {@code stopReason}: set when early stopping ends the job after
     * this epoch, which is then its last.
     */
    public record EpochResult(int epoch, int totalEpochs, double trainLoss, Double trainAccuracy, Double testLoss,
                              Double testAccuracy, long trainSamples, long durationMs, long elapsedMs, long etaMs,
                              int skippedSteps, Double validationLoss, Double validationAccuracy, double learningRate,
                              boolean best, String stopReason) {

        /** The job's last epoch: the one it was asked for, or the one early stopping ended it after. */
        public boolean last() {
            return epoch == totalEpochs || stopReason != null;
        }
    }

    /** The model after an epoch, serialized on demand (only while the observer is being told). */
    public interface Snapshot {
        /** The parameters, as checkpoints carry them. */
        byte[] parameters();

        /** Parameters and optimizer state: what {@link #run(TrainingPlan, Observer, TrainingState)} resumes from. */
        TrainingState state();

        /**
         * NDArrays alive under the model's manager after the epoch (parameters, gradients, optimizer
         * state, the trainer's and the epochs' arrays): constant from epoch to epoch, or a leak.
         * Counted on demand: the count walks every manager, and a full-batch job has an epoch per step.
         */
        int liveArrays();
    }

    public interface Observer {
        void epochFinished(EpochResult result, Snapshot snapshot);

        /** After every training batch: progress for health checks. */
        default void batchFinished() {
        }

        /** Polled between batches: true stops training after the current batch. */
        default boolean stopRequested() {
            return false;
        }
    }

    /** COMPLETED: every epoch, or fewer where early stopping ended the job; STOPPED: asked to stop. */
    public enum Outcome { COMPLETED, STOPPED }

    private Training() {}

    public static Outcome run(TrainingPlan plan, Observer observer) {
        return run(plan, observer, null);
    }

    /**
     * @param resumeFrom the state after an epoch of an earlier run of the same job, or null to start
     *                   afresh: training goes on with the next epoch and computes what the
     *                   uninterrupted run would have
     */
    public static Outcome run(TrainingPlan plan, Observer observer, TrainingState resumeFrom) {
        Split train = plan.data().train();
        TrainingSettings job = TrainingSettings.of(plan.job(), train.size());
        if (resumeFrom != null && resumeFrom.epoch() >= job.epochs()) {
            throw new JobRejectedException(ErrorCode.CHECKPOINT_INVALID, "cannot resume after epoch " + resumeFrom.epoch()
                    + " of a job of " + job.epochs() + " epochs");
        }
        Device device = DjlRuntime.device();
        DjlRuntime.engine().setRandomSeed((int) job.seed());
        boolean classifier = plan.data().isClassification();
        Loss loss = Losses.of(job.loss());
        ResumableOptimizer optimizer = Optimizers.of(job.optimizer());
        DefaultTrainingConfig config = new DefaultTrainingConfig(loss)
                .optOptimizer(optimizer)
                .optDevices(new Device[] {device});
        Split test = plan.data().test();
        int batchSize = job.batchSize();

        try (Model model = Model.newInstance("job-" + job.jobId(), device)) {
            model.setBlock(plan.built().block());
            Shape batchShape = new Shape(batchSize).addAll(train.sampleShape());
            try (Trainer trainer = model.newTrainer(config);
                 NDManager dataManager = trainer.getManager().newSubManager();
                 GuardedStep step = start(trainer, optimizer, model, resumeFrom, batchShape, job.loss(), plan.model().getLayers())) {
                if (!device.isGpu()) {
                    int threads = IntraOpThreads.applyFor(model.getBlock());
                    LOG.info("job {}: {} intra-op thread(s) of {}", job.jobId(), threads, IntraOpThreads.available());
                }
                LOG.info("job {}: {}", job.jobId(), step.compiled() ? "each step one compiled engine call"
                        : "each step by DJL's operations");
                GuardedStep.EpochTotals totals = new GuardedStep.EpochTotals(classifier);
                EpochBatches batches = new EpochBatches(train, batchSize, job.dropLastBatch(), job.seed());
                TestSetEvaluation testSet = job.testEveryEpoch()
                        ? new TestSetEvaluation(test, job.evaluationBatchSize(), plan.data().classNames().size())
                        : null;
                TestSetEvaluation validationSet = plan.validation() == null ? null
                        : new TestSetEvaluation(plan.validation(), job.evaluationBatchSize(), plan.data().classNames().size());
                long started = System.nanoTime();
                DivergenceGuard divergence = new DivergenceGuard();
                EarlyStopping earlyStopping = EarlyStopping.of(plan.job());
                MetricTracker best = bestCheckpoint(plan.job());
                if (resumeFrom != null) {
                    restore(earlyStopping == null ? null : earlyStopping.tracker(), resumeFrom.earlyStopping());
                    restore(best, resumeFrom.bestCheckpoint());
                }
                int firstEpoch = resumeFrom == null ? 1 : resumeFrom.epoch() + 1;
                for (int epoch = firstEpoch; epoch <= job.epochs(); epoch++) {
                    long epochStart = System.nanoTime();
                    double learningRate = LearningRateSchedules.of(plan.job().getOptimizer(), epoch, job.epochs());
                    optimizer.setLearningRate((float) learningRate);
                    // Dropout's and augmentation's random streams start from (seed, epoch), so a
                    // resumed run draws what the uninterrupted one drew.
                    DjlRuntime.engine().setRandomSeed(epochSeed(job.seed(), epoch));
                    totals.reset();
                    divergence.epochStarted(epoch);
                    boolean completed;
                    try (NDManager epochManager = dataManager.newSubManager()) {
                        completed = batches.forEach(epoch, epochManager, (data, labels) -> {
                            if (step.run(data, labels, totals)) {
                                divergence.stepApplied();
                            } else {
                                divergence.stepSkipped();
                            }
                            observer.batchFinished();
                            return !observer.stopRequested();
                        });
                    }
                    if (!completed) {
                        return Outcome.STOPPED;
                    }
                    double trainLoss = divergence.epochLoss(totals.loss());
                    int skipped = divergence.skipped();
                    Double trainAccuracy = totals.accuracy();
                    Double testLoss = null;
                    Double testAccuracy = null;
                    if (job.testEveryEpoch()) {
                        TestSetEvaluation.Outcome t = testSet.run(model.getBlock(), loss, dataManager);
                        testLoss = t.meanLoss();
                        testAccuracy = t.accuracy();
                    }
                    Double validationLoss = null;
                    Double validationAccuracy = null;
                    if (validationSet != null) {
                        TestSetEvaluation.Outcome v = validationSet.run(model.getBlock(), loss, dataManager);
                        validationLoss = v.meanLoss();
                        validationAccuracy = v.accuracy();
                    }
                    long now = System.nanoTime();
                    long durationMs = (now - epochStart) / 1_000_000;
                    long elapsedMs = (now - started) / 1_000_000;
                    long etaMs = elapsedMs / (epoch - firstEpoch + 1) * (job.epochs() - epoch);
                    int finished = epoch;
                    boolean improved = best != null && best.observe(epoch,
                            MetricTracker.valueIn(best.metric(), validationLoss, validationAccuracy));
                    String stopReason = earlyStopping == null || epoch == job.epochs() ? null
                            : earlyStopping.observe(epoch, validationLoss, validationAccuracy);
                    double[] earlyStoppingState = earlyStopping == null ? NO_TRACKER : earlyStopping.tracker().state();
                    double[] bestState = best == null ? NO_TRACKER : best.state();
                    observer.epochFinished(new EpochResult(epoch, job.epochs(), trainLoss, trainAccuracy, testLoss,
                            testAccuracy, batches.samplesPerEpoch(), durationMs, elapsedMs,
                            stopReason != null ? 0 : etaMs, skipped, validationLoss, validationAccuracy,
                            learningRate, improved, stopReason),
                            new Snapshot() {
                                @Override
                                public byte[] parameters() {
                                    return ModelParameters.save(model.getBlock());
                                }

                                @Override
                                public TrainingState state() {
                                    return new TrainingState(finished, parameters(), optimizer.saveState(model.getBlock()),
                                            earlyStoppingState, bestState);
                                }

                                @Override
                                public int liveArrays() {
                                    return model.getNDManager() instanceof BaseNDManager base ? base.getManagedArrays().size() : -1;
                                }
                            });
                    if (stopReason != null) {
                        return Outcome.COMPLETED;
                    }
                }
                return Outcome.COMPLETED;
            }
        }
    }

    /** The trainer initialized, from the saved state where the job resumes, and its step. */
    private static GuardedStep start(Trainer trainer, ResumableOptimizer optimizer, Model model, TrainingState resumeFrom,
                                     Shape batchShape, LossType lossType, List<Layer> layers) {
        if (resumeFrom != null) {
            // Before the trainer's own initialization, which caches the parameter arrays.
            restore(model, resumeFrom, batchShape);
        }
        trainer.initialize(batchShape);
        if (resumeFrom != null) {
            optimizer.loadState(model.getBlock(), resumeFrom.optimizerState());
        }
        Shape output = model.getBlock().getOutputShapes(new Shape[] {batchShape})[0];
        return new GuardedStep(trainer, optimizer, lossType, output, layers);
    }

    private static final double[] NO_TRACKER = {Double.NaN, 0};

    /** The tracker of the job's checkpoint.keepBest metric, or null where it keeps no best checkpoint. */
    private static MetricTracker bestCheckpoint(dev.trainingplatform.contract.TrainingJob job) {
        var keep = job.getCheckpoint() == null ? null : job.getCheckpoint().getKeepBest();
        return keep == null ? null : new MetricTracker(keep.getMetric(), keep.getMode(), 0);
    }

    private static void restore(MetricTracker tracker, double[] state) {
        if (tracker != null) {
            tracker.restore(state);
        }
    }

    static int epochSeed(long seed, int epoch) {
        return Long.hashCode(new SplittableRandom(seed * 1_000_003L + epoch).nextLong());
    }

    private static void restore(Model model, TrainingState state, Shape batchShape) {
        Block block = model.getBlock();
        block.initialize(model.getNDManager(), DataType.FLOAT32, batchShape);
        ModelParameters.load(block, state.parameters(), model.getNDManager());
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().requiresGradient()) {
                p.getValue().getArray().setRequiresGradient(true);
            }
        }
    }
}
