package dev.trainingplatform.evaluator;

import dev.trainingplatform.contract.EvaluationResult;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;

/** The evaluator's Prometheus metrics: bounded tags only (outcome, error code), never job ids. */
@ApplicationScoped
public class EvaluatorMetrics {

    private final MeterRegistry registry;
    private final Timer duration;

    @Inject
    public EvaluatorMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.duration = Timer.builder("evaluator.checkpoint.duration").description("Time to evaluate one checkpoint")
                .register(registry);
    }

    public void evaluated(EvaluationResult result) {
        boolean ok = result.getError() == null;
        registry.counter("evaluator.checkpoints", "outcome", ok ? "evaluated" : "refused",
                "error", ok ? "none" : result.getError().getCode().name()).increment();
        duration.record(Duration.ofMillis(result.getDurationMs()));
    }
}
