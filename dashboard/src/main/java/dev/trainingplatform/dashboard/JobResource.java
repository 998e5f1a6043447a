package dev.trainingplatform.dashboard;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import jakarta.inject.Inject;
import jakarta.ws.rs.ForbiddenException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jboss.resteasy.reactive.RestStreamElementType;

/**
 * What the pages read: the job list and its changes, one job's events (its history, then live), and
 * the cancel action. All from the app's own consumers: the browser never talks to Kafka.
 */
@Path("/api")
public class JobResource {

    @Inject
    JobCatalog catalog;

    @Inject
    JobHistoryReader history;

    @Inject
    CancelRequests cancels;

    @Inject
    DashboardConfig config;

    /** What the pages need to know of the settings. */
    public record Settings(boolean cancelEnabled) {}

    @GET
    @Path("/settings")
    public Settings settings() {
        return new Settings(config.cancelEnabled());
    }

    /**
     * @param state only jobs in this state (SUBMITTED, QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED)
     * @param label only jobs with this label, {@code key} or {@code key=value}
     */
    @GET
    @Path("/jobs")
    public List<JobSummary> jobs(@QueryParam("state") String state, @QueryParam("label") String label) {
        List<JobSummary> out = new ArrayList<>();
        for (JobSummary j : catalog.jobs()) {
            if (matches(j, state, label)) {
                out.add(j);
            }
        }
        return out;
    }

    static boolean matches(JobSummary j, String state, String label) {
        if (state != null && !state.isBlank() && !state.equalsIgnoreCase(j.state())) {
            return false;
        }
        if (label == null || label.isBlank()) {
            return true;
        }
        int eq = label.indexOf('=');
        String key = eq < 0 ? label : label.substring(0, eq);
        return j.labels().containsKey(key) && (eq < 0 || label.substring(eq + 1).equals(j.labels().get(key)));
    }

    /** Each job whose summary changes, as it changes. */
    @GET
    @Path("/jobs/changes")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<JobSummary> changes() {
        return Multi.createFrom().emitter(emitter -> {
            Consumer<JobSummary> watcher = emitter::emit;
            catalog.watchList(watcher);
            emitter.onTermination(() -> catalog.unwatchList(watcher));
        }, BackPressureStrategy.LATEST);
    }

    /**
     * The job's events: its whole history read from its partitions, then every new one as it is read.
     * The live feed starts before the history is read; what it brings during the read is held back and
     * then sent unless the history already had it, so nothing is lost or shown twice.
     */
    @GET
    @Path("/jobs/{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<JobEvent> events(@PathParam("id") String jobId) {
        return Multi.createFrom().emitter(emitter -> {
            Object lock = new Object();
            List<JobEvent> early = new ArrayList<>();
            JobHistoryReader.History[] read = new JobHistoryReader.History[1];
            Consumer<JobEvent> watcher = e -> {
                synchronized (lock) {
                    if (read[0] == null) {
                        early.add(e);
                    } else if (read[0].before(e)) {
                        emitter.emit(e);
                    }
                }
            };
            catalog.watch(jobId, watcher);
            emitter.onTermination(() -> catalog.unwatch(jobId, watcher));
            Infrastructure.getDefaultWorkerPool().execute(() -> {
                try {
                    JobHistoryReader.History h = history.read(jobId);
                    synchronized (lock) {
                        h.events().forEach(emitter::emit);
                        read[0] = h;
                        early.stream().filter(h::before).forEach(emitter::emit);
                        early.clear();
                    }
                } catch (RuntimeException e) {
                    emitter.emit(new JobEvent("error", jobId, null, -1, -1, Map.of("message", String.valueOf(e.getMessage()))));
                }
            });
        }, BackPressureStrategy.BUFFER);
    }

    @POST
    @Path("/jobs/{id}/cancel")
    public Map<String, String> cancel(@PathParam("id") String jobId) {
        if (!config.cancelEnabled()) {
            throw new ForbiddenException("cancelling from the dashboard is switched off (DASHBOARD_CANCEL_ENABLED)");
        }
        if (jobId.length() > dev.trainingplatform.contract.ContractLimits.MAX_JOB_ID_CHARS) {
            throw new jakarta.ws.rs.BadRequestException("a job id has at most "
                    + dev.trainingplatform.contract.ContractLimits.MAX_JOB_ID_CHARS + " characters");
        }
        cancels.send(jobId);
        return Map.of("jobId", jobId, "requested", "cancel");
    }
}
