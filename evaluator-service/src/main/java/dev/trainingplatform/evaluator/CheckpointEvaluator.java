package dev.trainingplatform.evaluator;

import dev.trainingplatform.contract.Checkpoint;
import dev.trainingplatform.contract.CurvePoint;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.EvaluationError;
import dev.trainingplatform.contract.EvaluationResult;
import dev.trainingplatform.contract.PredictionExample;
import dev.trainingplatform.contract.RegressionMetrics;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.data.LoadedDataset;
import dev.trainingplatform.ml.eval.CheckpointEvaluation;
import dev.trainingplatform.ml.eval.ClassificationReport;
import dev.trainingplatform.ml.eval.RegressionReport;
import dev.trainingplatform.ml.eval.TestSetEvaluation;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jboss.logging.Logger;

/** Turns a checkpoint into an EvaluationResult: metrics when it can be evaluated, the reason when not. */
@ApplicationScoped
public class CheckpointEvaluator {

    private static final Logger LOG = Logger.getLogger(CheckpointEvaluator.class);
    private static final int EXAMPLES = 6;

    @Inject
    CheckpointParameters parameters;

    @Inject
    TestDataCache datasets;

    @Inject
    EvaluatorConfig config;

    public EvaluationResult evaluate(Checkpoint checkpoint) {
        long started = System.nanoTime();
        EvaluationResult.Builder result = EvaluationResult.newBuilder()
                .setJobId(checkpoint.getJobId())
                .setCheckpointId(checkpoint.getCheckpointId())
                .setAttempt(checkpoint.getAttempt())
                .setEpoch(checkpoint.getEpoch())
                .setFinalCheckpoint(checkpoint.getFinalCheckpoint())
                .setBestCheckpoint(checkpoint.getBest());
        LOG.infof("evaluating %s", checkpoint.getCheckpointId());
        try {
            if (checkpoint.getEvaluationBatchSize() < 1) {
                throw new JobRejectedException(ErrorCode.CHECKPOINT_INVALID,
                        "evaluationBatchSize must be positive, got " + checkpoint.getEvaluationBatchSize());
            }
            byte[] params = parameters.verifiedBytes(checkpoint);
            LoadedDataset data = datasets.load(checkpoint.getDataset());
            TestSetEvaluation.Outcome outcome = CheckpointEvaluation.evaluate(new CheckpointEvaluation.Claim(
                            checkpoint.getModel().getLayers(), checkpoint.getLoss(), checkpoint.getParameterCount(), params),
                    data, checkpoint.getEvaluationBatchSize(), config.limits().maxLayers(), config.limits().maxParameters());
            result.setNumSamples(outcome.samples()).setTestLoss(outcome.meanLoss());
            if (data.isClassification()) {
                List<List<Long>> matrix = new ArrayList<>();
                for (long[] row : outcome.confusion()) {
                    matrix.add(Arrays.stream(row).boxed().toList());
                }
                result.setTestAccuracy(outcome.accuracy())
                        .setClassNames(data.classNames())
                        .setConfusionMatrix(matrix)
                        .setPerClass(ClassificationReport.perClass(outcome.confusion(), data.classNames()))
                        .setExamples(examples(data, outcome));
            } else {
                result.setRegression(regression(data, outcome));
            }
            LOG.infof("evaluated %s: loss %.4f accuracy %s on %d samples", checkpoint.getCheckpointId(),
                    outcome.meanLoss(), outcome.accuracy(), outcome.samples());
        } catch (JobRejectedException e) {
            LOG.warnf("cannot evaluate %s: %s", checkpoint.getCheckpointId(), e.getMessage());
            result.setError(new EvaluationError(e.code(), e.getMessage()));
        } catch (RuntimeException | Error e) {
            // Whatever a checkpoint does to the evaluation, it gets an error result and the next one runs.
            LOG.errorf(e, "evaluation of %s failed", checkpoint.getCheckpointId());
            result.setError(new EvaluationError(ErrorCode.INTERNAL_ERROR, "internal error: " + e));
        }
        return result.setDurationMs((System.nanoTime() - started) / 1_000_000).setTimestamp(Instant.now()).build();
    }

    /** A few test inputs shown as text with their predictions, spread over the test split. */
    private static List<PredictionExample> examples(LoadedDataset data, TestSetEvaluation.Outcome outcome) {
        List<PredictionExample> examples = new ArrayList<>();
        if (data.testSampleText() == null) {
            return examples;
        }
        int n = data.test().size();
        for (int k = 0; k < Math.min(EXAMPLES, n); k++) {
            int i = (int) ((long) k * n / EXAMPLES);
            examples.add(new PredictionExample(data.testSampleText().apply(i),
                    data.classNames().get((int) outcome.predictions()[i]),
                    data.classNames().get((int) data.test().labels()[i])));
        }
        return examples;
    }

    private static RegressionMetrics regression(LoadedDataset data, TestSetEvaluation.Outcome outcome) {
        float[] actual = data.test().labels();
        RegressionReport report = RegressionReport.of(actual, outcome.predictions());
        List<CurvePoint> curve = new ArrayList<>();
        if (data.test().sampleShape().size() == 1) {
            float[] x = data.test().features();
            for (int i = 0; i < actual.length; i++) {
                curve.add(new CurvePoint((double) x[i], (double) actual[i], (double) outcome.predictions()[i]));
            }
        }
        return new RegressionMetrics(report.mse(), report.mae(), report.r2(), curve);
    }
}
