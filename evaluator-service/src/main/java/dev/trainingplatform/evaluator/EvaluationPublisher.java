package dev.trainingplatform.evaluator;

import dev.trainingplatform.contract.ContractLimits;
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
        if (result.getError() != null) {
            // The reason can echo a checkpoint's own text; an event over the topic's limit would be refused.
            result.getError().setMessage(ContractLimits.clip(result.getError().getMessage()));
        }
        results.sendMessageAndAwait(KafkaRecord.of(result.getJobId(), result));
    }
}
