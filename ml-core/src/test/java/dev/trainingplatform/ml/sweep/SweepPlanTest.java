package dev.trainingplatform.ml.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.Layer;
import dev.trainingplatform.contract.ReferenceWorkloads;
import dev.trainingplatform.contract.SweepParameter;
import dev.trainingplatform.contract.SweepRequest;
import dev.trainingplatform.contract.SweepSearch;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.contract.ValidationSplit;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.train.admission.JobLimits;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class SweepPlanTest {

    private static TrainingJob base(String workload) {
        return ReferenceWorkloads.named(workload).job("base").setTestEveryEpoch(false).setEpochs(20)
                .setLabels(Map.of("team", "vision"))
                .setValidation(ValidationSplit.newBuilder().setFraction(0.2).build()).build();
    }

    private static SweepParameter values(String name, Object... values) {
        return SweepParameter.newBuilder().setName(name).setValues(new ArrayList<>(List.of(values))).build();
    }

    private static SweepParameter range(String name, double min, double max, boolean log) {
        return SweepParameter.newBuilder().setName(name).setMin(min).setMax(max).setLog(log).build();
    }

    private static SweepRequest.Builder sweep(SweepSearch search, int maxTrials, SweepParameter... parameters) {
        return SweepRequest.newBuilder().setSweepId("lr-opt").setJob(base("regression")).setSearch(search)
                .setMaxTrials(maxTrials).setSeed(7).setParameters(List.of(parameters));
    }

    @Test
    void aRandomSweepDrawsTheBudgetWithTheSameValuesEveryTime() {
        SweepRequest request = sweep(SweepSearch.RANDOM, 12, range("learningRate", 1e-4, 1e-1, true),
                values("optimizer", "ADAM", "sgd")).build();
        List<SweepPlan.Trial> trials = SweepPlan.expand(request, JobLimits.defaults());
        List<SweepPlan.Trial> again = SweepPlan.expand(request, JobLimits.defaults());

        assertEquals(12, trials.size());
        Set<String> optimizers = new HashSet<>();
        for (int i = 0; i < 12; i++) {
            SweepPlan.Trial t = trials.get(i);
            assertEquals(i + 1, t.number());
            assertEquals("lr-opt-trial-" + (i + 1), t.jobId());
            assertEquals(t.jobId(), t.job().getJobId());
            assertEquals(again.get(i).hyperparameters(), t.hyperparameters(), "the same request, the same draws");
            double lr = t.job().getOptimizer().getLearningRate();
            assertTrue(lr >= 1e-4 && lr <= 1e-1, "drawn inside the range: " + lr);
            assertTrue(new BigDecimal(t.hyperparameters().get("learningRate")).precision() <= 4, "four significant digits");
            assertEquals(Double.parseDouble(t.hyperparameters().get("learningRate")), lr, "shown = trained with");
            assertEquals(t.hyperparameters().get("optimizer"), t.job().getOptimizer().getType().name());
            optimizers.add(t.hyperparameters().get("optimizer"));
            assertEquals(Map.of("team", "vision", "sweep", "lr-opt", "sweep.trial", String.valueOf(i + 1)), t.job().getLabels());
        }
        assertEquals(Set.of("ADAM", "SGD"), optimizers);
        assertEquals(1e-3, request.getJob().getOptimizer().getLearningRate(), "the base job is not changed");
        assertTrue(SweepPlan.expand(SweepRequest.newBuilder(request).setSeed(8).build(), JobLimits.defaults()).stream()
                .map(SweepPlan.Trial::hyperparameters).toList()
                .stream().anyMatch(h -> !trials.stream().map(SweepPlan.Trial::hyperparameters).toList().contains(h)),
                "another seed, other draws");
    }

    @Test
    void aGridRunsEveryCombinationWithTheFirstParameterVaryingSlowest() {
        List<SweepPlan.Trial> trials = SweepPlan.expand(sweep(SweepSearch.GRID, 6, values("batchSize", 32.0, 400.0),
                values("learningRate", 0.01, 0.001, 0.0001)).build(), JobLimits.defaults());

        List<String> shown = trials.stream().map(t -> t.hyperparameters().toString()).toList();
        assertEquals(List.of("{batchSize=32, learningRate=0.01}", "{batchSize=32, learningRate=0.001}",
                "{batchSize=32, learningRate=0.0001}", "{batchSize=400, learningRate=0.01}",
                "{batchSize=400, learningRate=0.001}", "{batchSize=400, learningRate=0.0001}"), shown);
        assertEquals(400, trials.get(5).job().getBatchSize());
        assertEquals(1e-4, trials.get(5).job().getOptimizer().getLearningRate());
    }

    @Test
    void layerArgumentsAndDropoutChangeTheExpandedPresetOnly() {
        SweepRequest request = sweep(SweepSearch.GRID, 2, values("layers.0.units", 16.0, 128.0)).build();
        List<SweepPlan.Trial> trials = SweepPlan.expand(request, JobLimits.defaults());
        Layer first = trials.get(1).job().getModel().getLayers().get(0);
        assertNull(trials.get(1).job().getModel().getPreset(), "the preset is written out as its layers");
        assertEquals(128L, first.getArgs().get("units"), "a whole number stays a whole number");

        SweepRequest imdb = sweep(SweepSearch.GRID, 1, values("dropout", 0.3)).setJob(base("imdb")).build();
        List<Layer> layers = SweepPlan.expand(imdb, JobLimits.defaults()).get(0).job().getModel().getLayers();
        assertTrue(layers.stream().filter(l -> l.getType().equals("dropout"))
                .allMatch(l -> l.getArgs().get("rate").equals(0.3)), "every dropout layer");
        assertEquals(2, layers.stream().filter(l -> l.getType().equals("dropout")).count());
    }

    private static void refused(String expected, ErrorCode code, Consumer<SweepRequest.Builder> change) {
        SweepRequest.Builder request = sweep(SweepSearch.RANDOM, 4, values("learningRate", 0.01));
        change.accept(request);
        JobRejectedException e = assertThrows(JobRejectedException.class,
                () -> SweepPlan.expand(request.build(), JobLimits.defaults()));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertEquals(code, e.code(), e.getMessage());
    }

    @Test
    void everyRefusalNamesTheField() {
        refused("parameters[0] (learningRate): no values and no range", ErrorCode.INVALID_HYPERPARAMETER,
                r -> r.setParameters(List.of(values("learningRate"))));
        refused("the grid has more combinations than maxTrials (4): learningRate 3 x optimizer 2",
                ErrorCode.LIMIT_EXCEEDED, r -> r.setSearch(SweepSearch.GRID)
                        .setParameters(List.of(values("learningRate", 0.1, 0.01, 0.001), values("optimizer", "ADAM", "SGD"))));
        refused("parameters[0] (beta3): unknown parameter", ErrorCode.INVALID_HYPERPARAMETER,
                r -> r.setParameters(List.of(values("beta3", 0.5))));
        refused("metric must be one of [validationLoss, validationAccuracy], got 'testLoss'",
                ErrorCode.INVALID_HYPERPARAMETER, r -> r.setMetric("testLoss"));
        refused("metric: a regression job has no accuracy", ErrorCode.INVALID_HYPERPARAMETER,
                r -> r.setMetric("validationAccuracy"));
        refused("metric is measured on a validation split, and the job has none", ErrorCode.INVALID_HYPERPARAMETER,
                r -> r.getJob().setValidation(null));
        refused("maxTrials must be 1 to 100, got 0", ErrorCode.LIMIT_EXCEEDED, r -> r.setMaxTrials(0));
        refused("maxTrials must be 1 to 100, got 101", ErrorCode.LIMIT_EXCEEDED, r -> r.setMaxTrials(101));
        refused("parameters: a sweep varies 1 to 16 parameters, got none", ErrorCode.INVALID_HYPERPARAMETER,
                r -> r.setParameters(List.of()));
        refused("parameters[0] (learningRate): a grid takes values, not a range", ErrorCode.INVALID_HYPERPARAMETER,
                r -> r.setSearch(SweepSearch.GRID).setParameters(List.of(range("learningRate", 0.001, 0.1, false))));
        refused("parameters[0] (learningRate): a log-scale range needs min > 0", ErrorCode.INVALID_HYPERPARAMETER,
                r -> r.setParameters(List.of(range("learningRate", 0, 0.1, true))));
        refused("parameters[0] (learningRate): a range needs finite min <= max", ErrorCode.INVALID_HYPERPARAMETER,
                r -> r.setParameters(List.of(range("learningRate", 0.1, 0.001, false))));
        refused("parameters[0] (batchSize): takes whole numbers, got '1.5'", ErrorCode.INVALID_HYPERPARAMETER,
                r -> r.setParameters(List.of(values("batchSize", 1.5))));
        refused("parameters[0] (optimizer): takes [ADAM, SGD, GRADIENT_DESCENT], got 'ADAGRAD'",
                ErrorCode.INVALID_HYPERPARAMETER, r -> r.setParameters(List.of(values("optimizer", "ADAGRAD"))));
        refused("parameters[1] (learningRate): named twice", ErrorCode.INVALID_HYPERPARAMETER,
                r -> r.setParameters(List.of(values("learningRate", 0.1), values("learningRate", 0.2))));
        refused("parameters[0] (layers.99.units): a layer argument is layers.<index>.<argument> with an index from 0 to",
                ErrorCode.INVALID_HYPERPARAMETER, r -> r.setParameters(List.of(values("layers.99.units", 8.0))));
        refused("parameters[0] (dropout): the model has no dropout layer", ErrorCode.INVALID_HYPERPARAMETER,
                r -> r.setParameters(List.of(values("dropout", 0.2))));
        refused("sweepId must be 1 to 180 characters", ErrorCode.INVALID_JOB, r -> r.setSweepId("s".repeat(181)));
        refused("parameters[0] (learningRate): at most 100 values, got 101", ErrorCode.LIMIT_EXCEEDED,
                r -> r.setParameters(List.of(values("learningRate", new ArrayList<>(java.util.Collections.nCopies(101, 0.1)).toArray()))));
        // Each trial is checked as a job: a value no job may have is refused for the sweep, naming the trial.
        refused("trial 1 {learningRate=50}: optimizer.learningRate must be a number in (0, 10.0], got 50.0",
                ErrorCode.INVALID_HYPERPARAMETER, r -> r.setParameters(List.of(values("learningRate", 50.0))));
        refused("trial 1 {epochs=100000}: epochs 100000 exceeds this service's limit", ErrorCode.LIMIT_EXCEEDED,
                r -> r.setParameters(List.of(values("epochs", 100000.0))));
    }

    @Test
    void theModeFollowsTheMetricUnlessGiven() {
        assertEquals("MIN", SweepPlan.mode(sweep(SweepSearch.RANDOM, 1).build()).name());
        assertEquals("MAX", SweepPlan.mode(sweep(SweepSearch.RANDOM, 1).setMetric("validationAccuracy").build()).name());
    }
}
