package dev.trainingplatform.trainer;

import dev.trainingplatform.contract.AvroCodec;
import dev.trainingplatform.contract.ContractLimits;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.JobPartition;
import dev.trainingplatform.contract.SweepRequest;
import dev.trainingplatform.contract.SweepResult;
import dev.trainingplatform.contract.SweepState;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.contract.UndecodableRecordException;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.sweep.SweepPlan;
import dev.trainingplatform.ml.sweep.SweepRanking;
import dev.trainingplatform.ml.train.admission.JobLimits;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Expands sweep requests from training.sweeps into trial jobs, exactly once, even when the trainer
 * doing it dies halfway: the trials, the sweep's RUNNING result and the request's consumer offset go
 * in one Kafka transaction (consume-transform-produce). A trainer that dies before the commit leaves
 * an open transaction that the broker aborts (after {@code trainer.sweeps.transaction-timeout}, or at
 * once when this instance starts again under the same transactional id); the request is delivered
 * again, to whichever trainer then holds its partition, and expanded again into the same trials
 * ({@link SweepPlan} is a pure function). The job queues' share group reads committed records only,
 * so no trainer ever takes a trial of the aborted expansion: trials are neither lost nor doubled.
 *
 * <p>Plain clients on a thread of our own, as the job queue is: one thread owns the consumer and the
 * transactional producer, so the transaction's boundary reads as one method ({@link #expand}).
 *
 * <p>A request that is no SweepRequest goes to training.jobs.dlq (a request for jobs that never
 * became jobs) and, where its key can name a sweep, gets a FAILED result under that key; a request
 * that cannot be expanded gets a FAILED result naming the field. Neither stops the expander.
 */
@ApplicationScoped
public class SweepExpander {

    private static final Logger LOG = Logger.getLogger(SweepExpander.class);
    private static final AvroCodec<SweepRequest> REQUESTS = AvroCodec.of(SweepRequest.class);
    private static final AvroCodec<SweepResult> RESULTS = AvroCodec.of(SweepResult.class);
    private static final AvroCodec<TrainingJob> JOBS = AvroCodec.of(TrainingJob.class);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    @Inject
    TrainerConfig config;

    @Inject
    TrainerInstance instance;

    @Inject
    JobLimits limits;

    @Inject
    JobDeadLetters deadLetters;

    private volatile boolean stopping;
    private Thread thread;
    private KafkaConsumer<String, byte[]> consumer;
    private KafkaConsumer<String, byte[]> lookups;
    private KafkaProducer<String, byte[]> producer;

    void onStart(@Observes StartupEvent event) {
        if (!config.sweeps().enabled()) {
            return;
        }
        thread = new Thread(this::expandSweeps, "sweep-expander");
        thread.setDaemon(true);
        thread.start();
    }

    void onStop(@Observes ShutdownEvent event) throws InterruptedException {
        stopping = true;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }
    }

    private void expandSweeps() {
        while (!stopping) {
            try {
                open();
                while (!stopping) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                        expand(record);
                    }
                }
            } catch (WakeupException e) {
                // stopping
            } catch (RuntimeException e) {
                // Fenced, a broker gone away, no permission: start afresh from the committed offsets,
                // never stop expanding sweeps.
                LOG.warnf("the sweep expander failed (%s); starting it afresh in 5 s", e.toString());
                close();
                sleepQuietly(5000);
            }
        }
        close();
    }

    private void open() {
        Map<String, Object> consumerProps = new HashMap<>(JobQueue.adminProps(kafka));
        consumerProps.put("group.id", config.sweeps().group());
        consumerProps.put("enable.auto.commit", "false");
        consumerProps.put("auto.offset.reset", "earliest");
        consumerProps.put("isolation.level", "read_committed");
        consumerProps.put("max.poll.records", 1);
        consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(Topics.SWEEPS));

        Map<String, Object> lookupProps = new HashMap<>(JobQueue.adminProps(kafka));
        lookupProps.put("enable.auto.commit", "false");
        lookupProps.put("isolation.level", "read_committed");
        lookups = new KafkaConsumer<>(lookupProps, new StringDeserializer(), new ByteArrayDeserializer());

        Map<String, Object> producerProps = new HashMap<>(JobQueue.adminProps(kafka));
        // One transactional id per trainer instance, stable across its restarts: a restarted trainer
        // aborts what it left open at once; another trainer's open transaction is aborted by the
        // broker after the transaction timeout.
        producerProps.put("transactional.id", config.sweeps().group() + "-" + instance.id());
        producerProps.put("transaction.timeout.ms", (int) config.sweeps().transactionTimeout().toMillis());
        producerProps.put("acks", "all");
        producerProps.put("linger.ms", 0);
        producer = new KafkaProducer<>(producerProps, new StringSerializer(), new ByteArraySerializer());
        producer.initTransactions();
        LOG.infof("expanding sweeps from %s as %s", Topics.SWEEPS, producerProps.get("transactional.id"));
    }

    private void close() {
        for (AutoCloseable c : new AutoCloseable[] {consumer, lookups, producer}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                LOG.debugf("closing the sweep expander's clients: %s", e);
            }
        }
        consumer = null;
        lookups = null;
        producer = null;
    }

    /** One request, from its bytes to a committed transaction: trials and RUNNING, or a FAILED result. */
    void expand(ConsumerRecord<String, byte[]> record) {
        String key = record.key();
        byte[] value = record.value();
        Optional<SweepResult> outcome = Optional.empty();
        List<SweepPlan.Trial> trials = List.of();
        if (value != null && value.length > ContractLimits.MAX_JOB_RECORD_BYTES) {
            String reason = "a record of " + value.length + " bytes on " + record.topic() + ", more than the "
                    + ContractLimits.MAX_JOB_RECORD_BYTES + " bytes a SweepRequest may take; not decoded";
            deadLetters.byReference(record, value.length, reason);
            outcome = failed(key, ErrorCode.LIMIT_EXCEEDED, reason + " (on training.jobs.dlq by reference)");
        } else {
            SweepRequest request = null;
            try {
                request = REQUESTS.decode(value);
            } catch (UndecodableRecordException e) {
                deadLetters.copy(record, e.getMessage());
                outcome = failed(key, ErrorCode.INVALID_JOB, "the record under this key on " + record.topic()
                        + " could not be read as a SweepRequest, so no trial was run: " + e.getMessage()
                        + ". The record is on training.jobs.dlq unchanged.");
            }
            if (request != null) {
                String sweepId = request.getSweepId();
                try {
                    trials = SweepPlan.expand(request, limits);
                    outcome = Optional.of(SweepRanking.running(request, trials, Instant.now()));
                } catch (JobRejectedException e) {
                    outcome = failed(sweepId, e.code(), e.getMessage());
                } catch (RuntimeException e) {
                    // A request the plan did not foresee: refused, never retried forever.
                    LOG.errorf(e, "sweep %s could not be expanded", sweepId);
                    outcome = failed(sweepId, ErrorCode.INTERNAL_ERROR, "the sweep could not be expanded: " + e);
                }
                if (!trials.isEmpty()) {
                    Optional<SweepResult> earlier = earlierResult(sweepId);
                    if (earlier.isPresent()) {
                        // The same id again: its trials' ids would be the earlier sweep's.
                        LOG.warnf("sweep %s: already expanded (%s); the request at %s-%d@%d is ignored, as a sweep id "
                                + "names one sweep", sweepId, earlier.get().getState(), record.topic(), record.partition(),
                                record.offset());
                        trials = List.of();
                        outcome = Optional.empty();
                    }
                }
            }
        }
        commit(record, trials, outcome);
    }

    /** A FAILED result under {@code sweepId}, if that can name a sweep (it would be its key). */
    private static Optional<SweepResult> failed(String sweepId, ErrorCode code, String message) {
        if (sweepId == null || sweepId.isBlank() || sweepId.length() > ContractLimits.MAX_ECHOED_JOB_ID_CHARS) {
            LOG.warnf("a sweep request without a usable key was refused: %s", message);
            return Optional.empty();
        }
        LOG.infof("sweep %s FAILED: %s %s", sweepId, code, message);
        return Optional.of(SweepResult.newBuilder().setSweepId(sweepId).setState(SweepState.FAILED).setErrorCode(code)
                .setMessage(ContractLimits.clip(message)).setTimestamp(Instant.now()).build());
    }

    /** The sweep's latest committed result, if it has one: read from its partition of the compacted topic. */
    private Optional<SweepResult> earlierResult(String sweepId) {
        return JobPartition.latest(lookups, Topics.SWEEP_RESULTS, sweepId, RESULTS, Duration.ofMinutes(1));
    }

    private void commit(ConsumerRecord<String, byte[]> record, List<SweepPlan.Trial> trials, Optional<SweepResult> outcome) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        producer.beginTransaction();
        try {
            int sent = 0;
            for (SweepPlan.Trial trial : trials) {
                producer.send(new ProducerRecord<>(Topics.jobsTopic(trial.job().getPriority()), trial.jobId(),
                        JOBS.encode(trial.job())));
                sent++;
                haltForTestsAfter(sent);
            }
            if (outcome.isPresent()) {
                producer.send(new ProducerRecord<>(Topics.SWEEP_RESULTS, outcome.get().getSweepId(),
                        RESULTS.encode(outcome.get())));
            }
            producer.sendOffsetsToTransaction(Map.of(partition, new OffsetAndMetadata(record.offset() + 1)),
                    consumer.groupMetadata());
            producer.commitTransaction();
            if (!trials.isEmpty()) {
                LOG.infof("sweep %s: %d trials queued", outcome.map(SweepResult::getSweepId).orElse(record.key()),
                        trials.size());
            }
        } catch (RuntimeException e) {
            try {
                producer.abortTransaction();
            } catch (RuntimeException abort) {
                e.addSuppressed(abort);
            }
            // The request is read again from the committed offset when the expander starts afresh.
            throw e;
        }
    }

    /**
     * {@code trainer.sweeps.test-halt-after-trials}: for the end-to-end test of a trainer dying in the
     * middle of an expansion only. The process halts (no shutdown hooks, nothing flushed or aborted),
     * as a killed one would, after that many trials were handed to the producer.
     */
    private void haltForTestsAfter(int sent) {
        if (config.sweeps().testHaltAfterTrials().orElse(-1) == sent) {
            producer.flush(); // the trials reach the broker inside the open transaction
            LOG.warnf("trainer.sweeps.test-halt-after-trials=%d: halting in the middle of an expansion", sent);
            Runtime.getRuntime().halt(137);
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
