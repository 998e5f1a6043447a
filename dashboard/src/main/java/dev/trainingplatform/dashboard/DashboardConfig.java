package dev.trainingplatform.dashboard;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** The dashboard's settings (application.properties; environment overrides in docs/configuration.md). */
@ConfigMapping(prefix = "dashboard")
public interface DashboardConfig {

    /**
     * Whether the job page's cancel button publishes cancel requests ({@code DASHBOARD_CANCEL_ENABLED}).
     * Off: the button is not shown and the endpoint answers 403.
     */
    @WithDefault("true")
    boolean cancelEnabled();

    /** The most jobs the job list keeps, the most recently changed first ({@code DASHBOARD_MAX_JOBS}). */
    @WithDefault("10000")
    int maxJobs();

    /**
     * The topics the dashboard reads (documentation for its ACLs; the code reads {@code JobRecords.TOPICS},
     * and a test holds the two equal).
     */
    java.util.List<String> reads();

    /** How long a job page waits for its history to be read from the job's partitions. */
    @WithDefault("PT30S")
    Duration historyTimeout();
}
