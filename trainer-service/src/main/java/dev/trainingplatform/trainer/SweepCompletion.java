package dev.trainingplatform.trainer;

import dev.trainingplatform.contract.AvroCodec;
import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.SweepResult;
import dev.trainingplatform.contract.SweepState;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.contract.UndecodableRecordException;
import dev.trainingplatform.ml.sweep.SweepPlan;
import dev.trainingplatform.ml.sweep.SweepRanking;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.jboss.logging.Logger;

/**
 * Publishes a sweep's ranking once its last trial has ended. Whenever a trainer is done with a trial
 * job (it ended now, or its record came back after it had ended), it looks at the sweep: if every
 * trial has a terminal status, it ranks them ({@link SweepRanking}) from their metrics and publishes
 * the result on training.sweep-results.
 *
 * <p>Whichever trial ends last sees them all ended: each trainer publishes its trial's terminal
 * status before it looks at the others. Two trials ending at the same moment can both see that, and
 * both publish the same ranking; the topic is compacted by sweep id, so readers see one. A trainer
 * that dies between its trial's status and the ranking has not acknowledged the job's record: the
 * record is delivered again, found ended, and the ranking made then ({@link JobIntake}).
 */
@ApplicationScoped
public class SweepCompletion {

    private static final Logger LOG = Logger.getLogger(SweepCompletion.class);
    private static final AvroCodec<SweepResult> RESULTS = AvroCodec.of(SweepResult.class);
    private static final AvroCodec<EpochMetrics> METRICS = AvroCodec.of(EpochMetrics.class);

    @Inject
    LatestRecordLookup records;

    @Inject
    JobHistoryLookup statuses;

    @Inject
    @Channel("sweep-results")
    MutinyEmitter<SweepResult> results;

    /** Called once a trainer is done with {@code job}'s record; a no-op for a job that is no trial. */
    public void trialDone(TrainingJob job) {
        String sweepId = job.getLabels() == null ? null : job.getLabels().get(SweepPlan.SWEEP_LABEL);
        if (sweepId == null) {
            return;
        }
        Optional<SweepResult> running = records.latest(Topics.SWEEP_RESULTS, sweepId, decoder(RESULTS));
        if (running.isEmpty() || running.get().getState() != SweepState.RUNNING
                || running.get().getTrials().stream().noneMatch(t -> t.getJobId().equals(job.getJobId()))) {
            return; // ranked already, or a job that merely carries the label
        }
        SweepResult now = SweepRanking.now(running.get(), statuses::latest, this::metrics, Instant.now());
        if (now.getState() == SweepState.RUNNING) {
            LOG.debugf("sweep %s: %s", sweepId, now.getMessage());
            return;
        }
        LOG.infof("sweep %s %s: %s", sweepId, now.getState(), now.getMessage());
        results.sendMessageAndAwait(KafkaRecord.of(sweepId, now));
    }

    private List<EpochMetrics> metrics(String jobId) {
        return records.all(Topics.METRICS, jobId, decoder(METRICS));
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> Function<byte[], Optional<T>> decoder(AvroCodec<T> codec) {
        return bytes -> {
            try {
                return Optional.of(codec.decode(bytes));
            } catch (UndecodableRecordException e) {
                return Optional.empty();
            }
        };
    }
}
