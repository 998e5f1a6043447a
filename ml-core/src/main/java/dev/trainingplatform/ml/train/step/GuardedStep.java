package dev.trainingplatform.ml.train.step;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.util.Pair;
import dev.trainingplatform.contract.Layer;
import dev.trainingplatform.contract.LossType;
import dev.trainingplatform.ml.train.optimizer.ResumableOptimizer;
import java.util.ArrayList;
import java.util.List;

/**
 * One training step that is applied only when its loss and every gradient are finite, as mixed-
 * precision trainers (PyTorch's GradScaler) skip steps with inf/NaN gradients instead of letting one
 * bad batch poison every parameter through the optimizer.
 *
 * <p>Why the guard: with the PyTorch 2.7.1 CPU natives, the transformer preset now and then got NaN
 * gradients in exactly the parameters upstream of its attention scores (query, key, embeddings)
 * from a batch whose loss was finite, at a different batch on every rerun of the same seed, about
 * once in 1 500 batches; one such step turned every weight into NaN (docs/results.md). A skipped
 * step is counted and reported; a job whose steps keep failing still ends DIVERGED.
 *
 * <p>Why the step talks to the optimizer itself instead of calling {@link Trainer#step()}: for small
 * models a step is mostly per-operation overhead, and the trainer's parameter server copies every
 * gradient before the optimizer copies it again, for a multi-device reduction a one-device job never
 * needs. The loss computed for the guard is the one the epoch's mean is made of, rather than a second
 * evaluation of it by an evaluator listener (docs/performance.md has what each change bought). Where
 * the optimizer has a fused form (Adam), the check and the update of all parameters are one engine
 * call, and so are the loss and the batch's count of right predictions ({@link FusedLoss}); where
 * every layer of the model has a TorchScript form as well, the whole step, guard included, is one
 * call ({@link CompiledStep}). The step holds those calls' engine resources until it is closed.
 */
public final class GuardedStep implements AutoCloseable {

    /** The training loss and accuracy of the steps applied so far in an epoch. */
    public static final class EpochTotals {
        private final BatchAccuracy accuracy;
        private double lossSum;
        private int batches;
        private long correct;
        private long counted;

        public EpochTotals(boolean classifier) {
            accuracy = classifier ? new BatchAccuracy() : null;
        }

        public void reset() {
            lossSum = 0;
            batches = 0;
            correct = 0;
            counted = 0;
        }

        /** A batch whose right predictions are already counted. */
        void add(float batchLoss, long batchCorrect, long batchSize) {
            lossSum += batchLoss;
            batches++;
            correct += batchCorrect;
            counted += batchSize;
        }

        /** A batch whose right predictions DJL's accuracy evaluator counts. */
        void add(float batchLoss, NDList labels, NDList predictions) {
            if (accuracy == null) {
                add(batchLoss, 0, 0);
                return;
            }
            Pair<Long, NDArray> counts = accuracy.count(labels, predictions);
            try (NDArray right = counts.getValue()) {
                add(batchLoss, right.getLong(), counts.getKey());
            }
        }

        /** The mean of the applied batches' losses, as DJL's loss evaluator computes it. */
        public double loss() {
            return batches == 0 ? Double.NaN : lossSum / batches;
        }

        public Double accuracy() {
            return accuracy == null ? null : counted == 0 ? Double.NaN : (double) correct / counted;
        }
    }

    /** DJL's accuracy, asked for a batch's counts rather than kept in its accumulators. */
    private static final class BatchAccuracy extends Accuracy {
        Pair<Long, NDArray> count(NDList labels, NDList predictions) {
            return accuracyHelper(labels, predictions);
        }
    }

    private final Trainer trainer;
    private final ResumableOptimizer optimizer;
    private final List<Parameter> trainable;
    private final ResumableOptimizer.FusedUpdate fused;
    private final FusedLoss fusedLoss;
    private final CompiledStep compiled;

    /**
     * @param trainer     an initialized trainer whose configuration uses {@code optimizer} and the
     *                    loss named by {@code lossType}, with its optimizer state already restored
     *                    where the job resumes
     * @param outputShape the model's output for a batch, which decides whether the loss has a fused form
     * @param layers      the layer list the trainer's model was built from, which decides whether the
     *                    whole step has a compiled form ({@link CompiledStep})
     */
    public GuardedStep(Trainer trainer, ResumableOptimizer optimizer, LossType lossType, Shape outputShape, List<Layer> layers) {
        this.trainer = trainer;
        this.optimizer = optimizer;
        this.trainable = trainable(trainer);
        this.fused = optimizer.fuse(trainable);
        try {
            this.compiled = CompiledStep.of(layers, trainer.getModel().getBlock(), lossType, outputShape, fused,
                    trainer.getManager());
            // The compiled step computes its own loss.
            this.fusedLoss = compiled == null ? FusedLoss.of(lossType, outputShape, trainer.getManager()) : null;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Whether the steps run as one compiled engine call each. */
    public boolean compiled() {
        return compiled != null;
    }

    private static List<Parameter> trainable(Trainer trainer) {
        List<Parameter> trainable = new ArrayList<>();
        for (Pair<String, Parameter> p : trainer.getModel().getBlock().getParameters()) {
            if (p.getValue().requiresGradient()) {
                trainable.add(p.getValue());
            }
        }
        return trainable;
    }

    /** @return true if the step was applied (and added to {@code totals}); false if it was skipped */
    public boolean run(NDList data, NDList labels, EpochTotals totals) {
        if (compiled != null) {
            // No gradient collector: the compiled step computes its gradients without autograd.
            CompiledStep.Outcome outcome = compiled.run(data.singletonOrThrow(), labels.singletonOrThrow());
            if (outcome.applied()) {
                totals.add(outcome.loss(), Math.max(outcome.correct(), 0), labels.singletonOrThrow().size());
            }
            return outcome.applied();
        }
        NDList predictions;
        float loss;
        long correct = -1; // not counted yet
        try (GradientCollector collector = trainer.newGradientCollector()) {
            predictions = trainer.forward(data, labels);
            NDArray lossArray;
            if (fusedLoss != null) {
                FusedLoss.Evaluation evaluation = fusedLoss.evaluate(predictions.singletonOrThrow(), labels.singletonOrThrow());
                lossArray = evaluation.loss();
                loss = evaluation.value();
                correct = evaluation.correct();
            } else {
                lossArray = trainer.getLoss().evaluate(labels, predictions);
                loss = lossArray.getFloat();
            }
            if (Float.isFinite(loss)) {
                collector.backward(lossArray);
            }
        }
        // The gradients' wrappers belong to the model's manager; a scratch manager frees them and
        // the check's intermediates after the step (else a parameter-sized leak per step).
        try (NDManager scratch = trainer.getManager().newSubManager()) {
            List<NDArray> gradients = gradients(trainable, scratch);
            boolean applied;
            if (!Float.isFinite(loss)) {
                gradients.forEach(GuardedStep::clear);
                applied = false;
            } else if (fused != null) {
                applied = fused.applyIfFinite(gradients);
            } else {
                applied = updateEachIfFinite(gradients);
            }
            if (applied && correct >= 0) {
                totals.add(loss, correct, labels.singletonOrThrow().size());
            } else if (applied) {
                totals.add(loss, labels, predictions);
            }
            return applied;
        }
    }

    private boolean updateEachIfFinite(List<NDArray> gradients) {
        if (!allFinite(gradients)) {
            gradients.forEach(GuardedStep::clear);
            return false;
        }
        for (int i = 0; i < trainable.size(); i++) {
            // The engine's update also zeroes the parameter's gradient for the next step.
            optimizer.update(trainable.get(i).getId(), trainable.get(i).getArray(), gradients.get(i));
        }
        return true;
    }

    @Override
    public void close() {
        if (compiled != null) {
            compiled.close();
        }
        if (fused != null) {
            fused.close();
        }
        if (fusedLoss != null) {
            fusedLoss.close();
        }
    }

    private static List<NDArray> gradients(List<Parameter> trainable, NDManager scratch) {
        List<NDArray> gradients = new ArrayList<>(trainable.size());
        for (Parameter p : trainable) {
            NDArray gradient = p.getArray().getGradient();
            gradient.attach(scratch);
            gradients.add(gradient);
        }
        return gradients;
    }

    /**
     * One reduction and one read for all gradients: a sum is NaN or infinite when any element is. It
     * is also infinite when finite gradients sum beyond Float.MAX_VALUE; Adam squares each gradient,
     * so such a step would have overflowed its second moment anyway.
     */
    static boolean allFinite(List<NDArray> gradients) {
        if (gradients.isEmpty()) {
            return true;
        }
        NDList sums = new NDList(gradients.size());
        for (NDArray g : gradients) {
            sums.add(g.sum());
        }
        NDArray total = sums.size() == 1 ? sums.head() : NDArrays.stack(sums).sum();
        return Float.isFinite(total.getFloat());
    }

    /** Overwrites a gradient with zeros (a fill: NaN - NaN or NaN * 0 would stay NaN). */
    static void clear(NDArray gradient) {
        gradient.set(new NDIndex("..."), 0f);
    }

    /** Whether every gradient of the trainer's model is finite (for tests). */
    public static boolean gradientsFinite(Trainer trainer) {
        try (NDManager scratch = trainer.getManager().newSubManager()) {
            return allFinite(gradients(trainable(trainer), scratch));
        }
    }

    /** Overwrites every gradient of the trainer's model with zeros (for tests). */
    public static void clearGradients(Trainer trainer) {
        try (NDManager scratch = trainer.getManager().newSubManager()) {
            gradients(trainable(trainer), scratch).forEach(GuardedStep::clear);
        }
    }
}
