package dev.trainingplatform.trainer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.InetAddress;

/** This trainer's name in status events. */
@ApplicationScoped
public class TrainerInstance {

    @Inject
    TrainerConfig config;

    public String id() {
        return config.instanceId().orElseGet(() -> {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                return "trainer";
            }
        });
    }
}
