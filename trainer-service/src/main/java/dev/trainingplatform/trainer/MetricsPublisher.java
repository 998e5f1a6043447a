package dev.trainingplatform.trainer;

import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.ml.train.Training;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.jboss.logging.Logger;

/** Publishes one EpochMetrics event per finished epoch on training.metrics. */
@ApplicationScoped
public class MetricsPublisher {

    private static final Logger LOG = Logger.getLogger(MetricsPublisher.class);

    @Inject
    @Channel("metrics")
    MutinyEmitter<EpochMetrics> metrics;

    /**
     * @param held checked once more after the event is stamped, just before it is sent: a trainer frozen
     *             since the caller checked it (past its record's lock) must not publish an epoch that
     *             another trainer's attempt may already be repeating
     * @return whether the event was sent
     */
    public boolean publish(String jobId, int attempt, Training.EpochResult r, java.util.function.BooleanSupplier held) {
        double seconds = Math.max(r.durationMs(), 1) / 1000.0;
        EpochMetrics event = EpochMetrics.newBuilder()
                .setJobId(jobId)
                .setAttempt(attempt)
                .setEpoch(r.epoch())
                .setTotalEpochs(r.totalEpochs())
                .setTrainLoss(r.trainLoss())
                .setTrainAccuracy(r.trainAccuracy())
                .setTestLoss(r.testLoss())
                .setTestAccuracy(r.testAccuracy())
                .setTrainSamples(r.trainSamples())
                .setSkippedSteps(r.skippedSteps())
                .setValidationLoss(r.validationLoss())
                .setValidationAccuracy(r.validationAccuracy())
                .setLearningRate(r.learningRate())
                .setBest(r.best())
                .setStopReason(r.stopReason())
                .setSamplesPerSecond(r.trainSamples() / seconds)
                .setEpochDurationMs(r.durationMs())
                .setElapsedMs(r.elapsedMs())
                .setEtaMs(r.etaMs())
                .setTimestamp(Instant.now())
                .build();
        LOG.infof("job %s epoch %d/%d loss %.4f acc %s test acc %s (%d ms)", jobId, r.epoch(), r.totalEpochs(),
                r.trainLoss(), r.trainAccuracy(), r.testAccuracy(), r.durationMs());
        if (!held.getAsBoolean()) {
            return false;
        }
        metrics.sendMessageAndAwait(KafkaRecord.of(jobId, event));
        return true;
    }
}
