package dev.trainingplatform.trainer;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The job ids this trainer has seen a cancel request for. Bounded: the oldest ids are forgotten
 * first, long after their jobs have ended.
 */
@ApplicationScoped
public class Cancellations {

    static final int REMEMBERED = 100_000;

    private final Set<String> cancelled = Collections.synchronizedSet(Collections.newSetFromMap(
            new LinkedHashMap<>(1024, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > REMEMBERED;
                }
            }));

    public void requested(String jobId) {
        cancelled.add(jobId);
    }

    public boolean isCancelled(String jobId) {
        return cancelled.contains(jobId);
    }
}
