package dev.trainingplatform.dashboard;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the job list holds every job the topics held when the dashboard started. */
@Readiness
@ApplicationScoped
public class CatalogReadiness implements HealthCheck {

    @Inject
    JobCatalog catalog;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("job-catalog").status(catalog.caughtUp()).build();
    }
}
