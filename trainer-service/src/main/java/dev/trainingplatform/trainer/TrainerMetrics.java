package dev.trainingplatform.trainer;

import dev.trainingplatform.contract.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;

/**
 * The trainer's Prometheus metrics. Tags are bounded sets (outcome, error code); job ids are never
 * tags, so the number of series does not grow with the number of jobs.
 */
@ApplicationScoped
public class TrainerMetrics {

    private final MeterRegistry registry;
    private final Timer epochDuration;
    private final Counter samplesTrained;

    @Inject
    public TrainerMetrics(MeterRegistry registry, TrainingProgress progress,
                          dev.trainingplatform.ml.data.LoadedDataCache loadedData) {
        this.registry = registry;
        this.epochDuration = Timer.builder("trainer.epoch.duration").description("Time per training epoch")
                .register(registry);
        this.samplesTrained = Counter.builder("trainer.samples.trained").description("Training samples processed")
                .register(registry);
        Gauge.builder("trainer.job.progress", progress, TrainingProgress::fractionDone)
                .description("Fraction of the running job's epochs done (0 when idle)").register(registry);
        Gauge.builder("trainer.job.running", progress, p -> p.jobId() == null ? 0 : 1)
                .description("1 while a job is training").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("trainer.data.reused", loadedData,
                        dev.trainingplatform.ml.data.LoadedDataCache::reused)
                .description("Jobs whose data set was the one kept from the job before, not read again").register(registry);
    }

    // Prometheus needs the same tag keys on every series of a name: "error" is "none" unless failed.
    public void jobStarted() {
        registry.counter("trainer.jobs", "outcome", "started", "error", "none").increment();
    }

    public void jobSucceeded() {
        registry.counter("trainer.jobs", "outcome", "succeeded", "error", "none").increment();
    }

    public void redeliveryIgnored() {
        registry.counter("trainer.redeliveries.ignored").increment();
    }

    /** An interrupted job went on from its resume point instead of its first epoch. */
    public void jobResumed() {
        registry.counter("trainer.jobs.resumed").increment();
    }

    /** A running job whose partition moved to another trainer, left to it. */
    public void jobHandedOver() {
        registry.counter("trainer.jobs.handed.over").increment();
    }

    public void resumePointFailed() {
        registry.counter("trainer.resume.points.failed").increment();
    }

    public void cancelRequestRead() {
        registry.counter("trainer.cancel.requests").increment();
    }

    public void jobCancelled() {
        registry.counter("trainer.jobs", "outcome", "cancelled", "error", "none").increment();
    }

    public void jobFailed(ErrorCode code) {
        registry.counter("trainer.jobs", "outcome", "failed", "error", code.name()).increment();
    }

    public void epochFinished(long durationMs, long samples) {
        epochDuration.record(Duration.ofMillis(durationMs));
        samplesTrained.increment(samples);
    }
}
