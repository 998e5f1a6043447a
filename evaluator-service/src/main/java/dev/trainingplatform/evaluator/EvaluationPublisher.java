package dev.trainingplatform.evaluator;

import dev.trainingplatform.contract.EvaluationResult;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;

/** Publishes evaluation results on evaluation.results, keyed by job id, and waits for the ack. */
@ApplicationScoped
public class EvaluationPublisher {

    @Inject
    @Channel("results")
    MutinyEmitter<EvaluationResult> results;

    public void publish(EvaluationResult result) {
        results.sendMessageAndAwait(KafkaRecord.of(result.getJobId(), result));
    }
}
