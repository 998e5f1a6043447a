package dev.trainingplatform.cli;

import dev.trainingplatform.contract.AvroSerializer;
import dev.trainingplatform.contract.CancelRequest;
import dev.trainingplatform.contract.JobState;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.Topics;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "cancel", description = "Cancel a job: a running job stops within one batch, a queued one never starts.")
final class CancelCommand implements Callable<Integer> {

    @Parameters(paramLabel = "JOB")
    String jobId;

    @Option(names = "--reason")
    String reason;

    @Option(names = "--wait", description = "wait until the trainer reports the job CANCELLED (or it ended otherwise)")
    boolean waitForIt;

    @Option(names = "--timeout-minutes", defaultValue = "10", description = "with --wait (default: ${DEFAULT-VALUE})")
    long timeoutMinutes;

    @Mixin
    KafkaOptions kafkaOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        KafkaSettings kafka = kafkaOptions.connect();
        PrintWriter out = spec.commandLine().getOut();
        try (JobWatcher watcher = JobWatcher.fromBeginning(kafka.props(), jobId)) {
            if (!watcher.catchUp(Duration.ofMinutes(2), new JobWatcher.Listener() { })) {
                throw new CliException(CliException.KAFKA_UNAVAILABLE, "could not read job '" + jobId + "' from "
                        + kafka.bootstrapServers() + " within 2 minutes");
            }
            if (!watcher.known()) {
                throw JobHistory.unknown(jobId);
            }
            JobStatus last = watcher.lastStatus();
            if (last != null && last.getState() != JobState.QUEUED && last.getState() != JobState.RUNNING) {
                out.println("job " + jobId + " has already ended: " + last.getState());
                return 0;
            }
            send(kafka, CancelRequest.newBuilder().setJobId(jobId).setReason(reason).setRequestedAt(Instant.now()).build());
            out.println("cancel requested for " + jobId);
            if (!waitForIt) {
                return 0;
            }
            last = watcher.follow(Duration.ofMinutes(timeoutMinutes), new JobWatcher.Listener() {
                @Override
                public void status(JobStatus s) {
                    out.println(ResultPrinter.status(s));
                    out.flush();
                }
            });
            if (last == null || last.getState() == JobState.QUEUED || last.getState() == JobState.RUNNING) {
                throw new CliException(CliException.JOB_FAILED, "job " + jobId + " was not cancelled within "
                        + timeoutMinutes + " minutes");
            }
            return last.getState() == JobState.CANCELLED ? 0 : CliException.JOB_FAILED;
        }
    }

    static void send(KafkaSettings kafka, CancelRequest request) throws Exception {
        Map<String, Object> props = new HashMap<>(kafka.props());
        props.put("acks", "all");
        try (KafkaProducer<String, CancelRequest> producer =
                     new KafkaProducer<>(props, new StringSerializer(), new AvroSerializer<>())) {
            producer.send(new ProducerRecord<>(Topics.CANCELLATIONS, request.getJobId(), request)).get(30, TimeUnit.SECONDS);
        }
    }
}
