package dev.trainingplatform.ml.sweep;

import dev.trainingplatform.contract.ContractLimits;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.Layer;
import dev.trainingplatform.contract.MetricMode;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.contract.OptimizerType;
import dev.trainingplatform.contract.SweepParameter;
import dev.trainingplatform.contract.SweepRequest;
import dev.trainingplatform.contract.SweepSearch;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.model.Presets;
import dev.trainingplatform.ml.train.admission.JobLimits;
import dev.trainingplatform.ml.train.admission.JobValidator;
import dev.trainingplatform.ml.train.admission.TrainingPolicies;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A sweep request turned into its trials: the base job with each trial's values, validated as every
 * job is. A pure function of the request: the same request gives the same trials, ids and values
 * included, wherever and however often it is expanded, which is what lets an expansion cut short
 * by a dying trainer be done again without doubling a trial.
 *
 * <p>Every refusal names the field ({@code parameters[1] (optimizer): ...}) and is raised before
 * anything is allocated for the trials: the grid's size is counted with a cap, never multiplied out.
 */
public final class SweepPlan {

    /** The label naming a trial's sweep, and the one giving its number. */
    public static final String SWEEP_LABEL = "sweep";
    public static final String TRIAL_LABEL = "sweep.trial";

    /** Parameters that are not layer arguments, and what they set. */
    public static final List<String> NAMED_PARAMETERS = List.of("learningRate", "batchSize", "optimizer", "epochs",
            "weightDecay", "momentum", "dropout");

    private static final MathContext FOUR_DIGITS = new MathContext(4);

    /** One trial: its number (from 1), job id, the values drawn for it by parameter name, and its job. */
    public record Trial(int number, String jobId, Map<String, String> hyperparameters, TrainingJob job) {}

    private SweepPlan() {}

    /** {@code <sweepId>-trial-<n>}: deterministic, so a repeated expansion gives the same ids. */
    public static String trialJobId(String sweepId, int trial) {
        return sweepId + "-trial-" + trial;
    }

    /** MIN or MAX: the request's mode, else MIN for a loss and MAX for an accuracy. */
    public static MetricMode mode(SweepRequest request) {
        if (request.getMode() != null) {
            return request.getMode();
        }
        return request.getMetric() != null && request.getMetric().endsWith("Accuracy") ? MetricMode.MAX : MetricMode.MIN;
    }

    /**
     * The trials of {@code request}, each validated against {@code limits}.
     *
     * @throws JobRejectedException naming the field, for a request that cannot be expanded
     */
    public static List<Trial> expand(SweepRequest request, JobLimits limits) {
        check(request);
        List<SweepParameter> parameters = request.getParameters();
        List<Map<String, Object>> draws = request.getSearch() == SweepSearch.GRID
                ? grid(parameters) : random(parameters, request.getMaxTrials(), request.getSeed());
        List<Trial> trials = new ArrayList<>(draws.size());
        Instant submitted = request.getSubmittedAt() == null || request.getSubmittedAt().toEpochMilli() == 0
                ? Instant.now() : request.getSubmittedAt();
        for (int i = 0; i < draws.size(); i++) {
            int number = i + 1;
            String jobId = trialJobId(request.getSweepId(), number);
            Map<String, String> shown = new LinkedHashMap<>();
            draws.get(i).forEach((name, value) -> shown.put(name, text(value)));
            TrainingJob job = TrainingJob.newBuilder(request.getJob()).setJobId(jobId).setSubmittedAt(submitted).build();
            Map<String, String> labels = new LinkedHashMap<>(job.getLabels());
            labels.putAll(request.getLabels());
            labels.put(SWEEP_LABEL, request.getSweepId());
            labels.put(TRIAL_LABEL, String.valueOf(number));
            job.setLabels(labels);
            try {
                draws.get(i).forEach((name, value) -> apply(job, name, value));
                JobValidator.validate(job, limits);
            } catch (JobRejectedException e) {
                throw new JobRejectedException(e.code(), "trial " + number + " " + shown + ": " + e.getMessage());
            }
            trials.add(new Trial(number, jobId, shown, job));
        }
        return trials;
    }

    private static void check(SweepRequest request) {
        String id = request.getSweepId();
        if (id == null || id.isBlank() || id.length() > ContractLimits.MAX_SWEEP_ID_CHARS) {
            throw invalid(ErrorCode.INVALID_JOB, "sweepId must be 1 to " + ContractLimits.MAX_SWEEP_ID_CHARS
                    + " characters (its trials' job ids add '-trial-<n>')");
        }
        if (request.getJob() == null) {
            throw invalid(ErrorCode.INVALID_JOB, "job: the sweep has no base job");
        }
        if (request.getMaxTrials() < 1 || request.getMaxTrials() > ContractLimits.MAX_SWEEP_TRIALS) {
            throw invalid(ErrorCode.LIMIT_EXCEEDED, "maxTrials must be 1 to " + ContractLimits.MAX_SWEEP_TRIALS
                    + ", got " + request.getMaxTrials());
        }
        TrainingPolicies.metric("metric", request.getMetric(), request.getJob());
        List<SweepParameter> parameters = request.getParameters();
        if (parameters == null || parameters.isEmpty()) {
            throw invalid(ErrorCode.INVALID_HYPERPARAMETER, "parameters: a sweep varies 1 to "
                    + ContractLimits.MAX_SWEEP_PARAMETERS + " parameters, got none");
        }
        if (parameters.size() > ContractLimits.MAX_SWEEP_PARAMETERS) {
            throw invalid(ErrorCode.LIMIT_EXCEEDED, "parameters: a sweep varies at most "
                    + ContractLimits.MAX_SWEEP_PARAMETERS + " parameters, got " + parameters.size());
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < parameters.size(); i++) {
            SweepParameter p = parameters.get(i);
            String field = "parameters[" + i + "] (" + p.getName() + ")";
            if (!seen.add(String.valueOf(p.getName()))) {
                throw invalid(ErrorCode.INVALID_HYPERPARAMETER, field + ": named twice");
            }
            checkName(field, p.getName(), request.getJob());
            int values = p.getValues() == null ? 0 : p.getValues().size();
            boolean range = p.getMin() != null || p.getMax() != null;
            if (values > ContractLimits.MAX_SWEEP_VALUES) {
                throw invalid(ErrorCode.LIMIT_EXCEEDED, field + ": at most " + ContractLimits.MAX_SWEEP_VALUES
                        + " values, got " + values);
            }
            if (values > 0 && range) {
                throw invalid(ErrorCode.INVALID_HYPERPARAMETER, field + ": give values or a range (min, max), not both");
            }
            if (values == 0 && !range) {
                throw invalid(ErrorCode.INVALID_HYPERPARAMETER, field + ": no values and no range; a swept parameter "
                        + "needs values: [...] or min and max");
            }
            if (range) {
                checkRange(field, p, request.getSearch());
            }
            for (Object v : values == 0 ? List.of() : p.getValues()) {
                value(field, p.getName(), v);
            }
        }
        if (request.getSearch() == SweepSearch.GRID) {
            long combinations = 1;
            for (SweepParameter p : parameters) {
                // Checked after each factor: never more than maxTrials x 100, so no overflow.
                combinations *= p.getValues().size();
                if (combinations > request.getMaxTrials()) {
                    throw invalid(ErrorCode.LIMIT_EXCEEDED, "the grid has more combinations than maxTrials ("
                            + request.getMaxTrials() + "): " + sizes(parameters) + "; raise maxTrials (at most "
                            + ContractLimits.MAX_SWEEP_TRIALS + "), drop values, or use search: RANDOM");
                }
            }
        }
    }

    private static String sizes(List<SweepParameter> parameters) {
        List<String> parts = new ArrayList<>();
        parameters.forEach(p -> parts.add(p.getName() + " " + p.getValues().size()));
        return String.join(" x ", parts);
    }

    private static void checkRange(String field, SweepParameter p, SweepSearch search) {
        if (search == SweepSearch.GRID) {
            throw invalid(ErrorCode.INVALID_HYPERPARAMETER, field + ": a grid takes values, not a range; list the "
                    + "values or use search: RANDOM");
        }
        if (p.getMin() == null || p.getMax() == null || !Double.isFinite(p.getMin()) || !Double.isFinite(p.getMax())
                || p.getMin() > p.getMax()) {
            throw invalid(ErrorCode.INVALID_HYPERPARAMETER, field + ": a range needs finite min <= max, got min "
                    + p.getMin() + ", max " + p.getMax());
        }
        if (p.getName().equals("optimizer")) {
            throw invalid(ErrorCode.INVALID_HYPERPARAMETER, field + ": takes values (" + optimizers() + "), not a range");
        }
        if (p.getLog() && !(p.getMin() > 0)) {
            throw invalid(ErrorCode.INVALID_HYPERPARAMETER, field + ": a log-scale range needs min > 0, got " + p.getMin());
        }
    }

    private static void checkName(String field, String name, TrainingJob base) {
        if (name == null || name.isBlank()) {
            throw invalid(ErrorCode.INVALID_HYPERPARAMETER, field + ": a parameter needs a name");
        }
        if (NAMED_PARAMETERS.contains(name)) {
            if (name.equals("dropout") && dropoutLayers(base).isEmpty()) {
                throw invalid(ErrorCode.INVALID_HYPERPARAMETER, field + ": the model has no dropout layer");
            }
            return;
        }
        if (!name.startsWith("layers.")) {
            throw invalid(ErrorCode.INVALID_HYPERPARAMETER, field + ": unknown parameter; sweepable are "
                    + String.join(", ", NAMED_PARAMETERS) + " and layers.<index>.<argument>");
        }
        String[] parts = name.split("\\.", 3);
        List<Layer> layers = Presets.resolve(base.getModel()).getLayers();
        int index;
        try {
            index = parts.length == 3 ? Integer.parseInt(parts[1]) : -1;
        } catch (NumberFormatException e) {
            index = -1;
        }
        if (index < 0 || index >= layers.size() || parts[2].isBlank()) {
            throw invalid(ErrorCode.INVALID_HYPERPARAMETER, field + ": a layer argument is layers.<index>.<argument> "
                    + "with an index from 0 to " + (layers.size() - 1) + " (the model's layers)");
        }
    }

    /** The value of {@code name} given as {@code raw} (a Double or a String), checked for its kind. */
    private static Object value(String field, String name, Object raw) {
        switch (name) {
            case "batchSize", "epochs" -> {
                if (!(raw instanceof Double d) || d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
                    throw invalid(ErrorCode.INVALID_HYPERPARAMETER, field + ": takes whole numbers, got '" + raw + "'");
                }
                return d.intValue();
            }
            case "optimizer" -> {
                String symbol = String.valueOf(raw).toUpperCase(Locale.ROOT).replace('-', '_');
                if (!(raw instanceof CharSequence) || !optimizers().contains(symbol)) {
                    throw invalid(ErrorCode.INVALID_HYPERPARAMETER, field + ": takes " + optimizers() + ", got '" + raw + "'");
                }
                return OptimizerType.valueOf(symbol);
            }
            case "learningRate", "weightDecay", "momentum", "dropout" -> {
                if (!(raw instanceof Double d) || !Double.isFinite(d)) {
                    throw invalid(ErrorCode.INVALID_HYPERPARAMETER, field + ": takes numbers, got '" + raw + "'");
                }
                if (name.equals("dropout") && !(d >= 0 && d < 1)) {
                    throw invalid(ErrorCode.INVALID_HYPERPARAMETER, field + ": a dropout rate is in [0, 1), got " + d);
                }
                return d;
            }
            default -> {
                if (raw instanceof Double d) {
                    if (!Double.isFinite(d)) {
                        throw invalid(ErrorCode.INVALID_HYPERPARAMETER, field + ": takes finite numbers, got " + d);
                    }
                    return d;
                }
                return String.valueOf(raw);
            }
        }
    }

    private static List<String> optimizers() {
        List<String> names = new ArrayList<>();
        for (OptimizerType t : OptimizerType.values()) {
            names.add(t.name());
        }
        return names;
    }

    /** Every combination, the first parameter varying slowest. */
    private static List<Map<String, Object>> grid(List<SweepParameter> parameters) {
        List<Map<String, Object>> combos = new ArrayList<>();
        combos.add(new LinkedHashMap<>());
        for (SweepParameter p : parameters) {
            List<Map<String, Object>> next = new ArrayList<>();
            for (Map<String, Object> combo : combos) {
                for (Object raw : p.getValues()) {
                    Map<String, Object> c = new LinkedHashMap<>(combo);
                    c.put(p.getName(), value(p.getName(), p.getName(), raw));
                    next.add(c);
                }
            }
            combos = next;
        }
        return combos;
    }

    /**
     * {@code trials} draws from {@link Random} seeded with {@code seed} (its algorithm is fixed by the
     * JDK's specification, so every JVM draws the same). Values from a range are rounded to four
     * significant digits, so the value shown is the value trained with.
     */
    private static List<Map<String, Object>> random(List<SweepParameter> parameters, int trials, long seed) {
        Random random = new Random(seed);
        List<Map<String, Object>> draws = new ArrayList<>(trials);
        for (int t = 0; t < trials; t++) {
            Map<String, Object> draw = new LinkedHashMap<>();
            for (SweepParameter p : parameters) {
                Object raw;
                if (!p.getValues().isEmpty()) {
                    raw = p.getValues().get(random.nextInt(p.getValues().size()));
                } else {
                    double u = random.nextDouble();
                    double x = p.getLog()
                            ? Math.exp(Math.log(p.getMin()) + u * (Math.log(p.getMax()) - Math.log(p.getMin())))
                            : p.getMin() + u * (p.getMax() - p.getMin());
                    x = Math.min(p.getMax(), Math.max(p.getMin(), new BigDecimal(x).round(FOUR_DIGITS).doubleValue()));
                    raw = p.getName().equals("batchSize") || p.getName().equals("epochs") ? (double) Math.round(x) : x;
                }
                draw.put(p.getName(), value(p.getName(), p.getName(), raw));
            }
            draws.add(draw);
        }
        return draws;
    }

    private static void apply(TrainingJob job, String name, Object value) {
        switch (name) {
            case "learningRate" -> job.getOptimizer().setLearningRate((Double) value);
            case "weightDecay" -> job.getOptimizer().setWeightDecay((Double) value);
            case "momentum" -> job.getOptimizer().setMomentum((Double) value);
            case "optimizer" -> job.getOptimizer().setType((OptimizerType) value);
            case "batchSize" -> job.setBatchSize((Integer) value);
            case "epochs" -> job.setEpochs((Integer) value);
            case "dropout" -> {
                List<Layer> layers = explicitLayers(job);
                for (Layer layer : layers) {
                    if (layer.getType().equals("dropout")) {
                        layer.getArgs().put("rate", value);
                    }
                }
            }
            default -> {
                String[] parts = name.split("\\.", 3);
                Layer layer = explicitLayers(job).get(Integer.parseInt(parts[1]));
                Object old = layer.getArgs().get(parts[2]);
                Object v = value;
                if (value instanceof Double d && d == Math.rint(d) && !(old instanceof Double)) {
                    v = d.longValue(); // whole numbers stay whole (units, kernel sizes)
                } else if (value instanceof String s && old instanceof Boolean && (s.equals("true") || s.equals("false"))) {
                    v = Boolean.valueOf(s);
                }
                layer.getArgs().put(parts[2], v);
            }
        }
    }

    /** The job's layers as its own list (a preset expanded in place), ready to change. */
    private static List<Layer> explicitLayers(TrainingJob job) {
        ModelSpec model = job.getModel();
        if (model.getPreset() != null) {
            ModelSpec resolved = Presets.resolve(model);
            job.setModel(ModelSpec.newBuilder().setPreset(null).setLayers(resolved.getLayers()).build());
        }
        return job.getModel().getLayers();
    }

    private static List<Layer> dropoutLayers(TrainingJob job) {
        return Presets.resolve(job.getModel()).getLayers().stream().filter(l -> l.getType().equals("dropout")).toList();
    }

    private static String text(Object value) {
        if (value instanceof Double d) {
            return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString(); // 0.0001, 400: as people write them
        }
        return String.valueOf(value);
    }

    private static JobRejectedException invalid(ErrorCode code, String message) {
        return new JobRejectedException(code, message);
    }
}
