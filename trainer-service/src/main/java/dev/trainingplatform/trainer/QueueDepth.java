package dev.trainingplatform.trainer;

import dev.trainingplatform.contract.JobQueues;
import dev.trainingplatform.contract.Topics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.jboss.logging.Logger;

/**
 * The queue depth as a metric, {@code trainer_queue_depth{queue="high|normal|low"}}: jobs waiting or
 * running in each job queue, from the share group's lag (Admin API). The autoscaler scales trainers
 * on it (KEDA has no share-group scaler yet, kedacore/keda issue 7920). Read at most every
 * {@link #REFRESH_MS} however often it is scraped; every trainer reports the same figures, so
 * queries take the max across trainers, not the sum.
 */
@ApplicationScoped
public class QueueDepth {

    private static final Logger LOG = Logger.getLogger(QueueDepth.class);
    static final long REFRESH_MS = 5_000;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    @Inject
    TrainerConfig config;

    private Admin admin;
    private Map<String, Long> latest = Map.of();
    private long readAtMs;

    void register(@Observes StartupEvent event, MeterRegistry registry) {
        Map<String, String> names = Map.of(Topics.JOBS_HIGH, "high", Topics.JOBS, "normal", Topics.JOBS_LOW, "low");
        for (String topic : JobQueues.TOPICS) {
            Gauge.builder("trainer.queue.depth", this, q -> q.depth(topic))
                    .description("Jobs waiting or running in the job queue (the share group's lag on its topic)")
                    .tag("queue", names.get(topic)).register(registry);
        }
    }

    synchronized double depth(String topic) {
        long now = System.currentTimeMillis();
        if (now - readAtMs >= REFRESH_MS) {
            readAtMs = now;
            try {
                latest = JobQueues.depth(admin(), config.queue().group());
            } catch (RuntimeException e) {
                LOG.debugf("queue depth not read: %s", e.getMessage());
                return Double.NaN;
            }
        }
        return latest.getOrDefault(topic, 0L);
    }

    private Admin admin() {
        if (admin == null) {
            admin = Admin.create(JobQueue.adminProps(kafka));
        }
        return admin;
    }

    @jakarta.annotation.PreDestroy
    synchronized void close() {
        if (admin != null) {
            admin.close(java.time.Duration.ofSeconds(5));
        }
    }
}
