package dev.trainingplatform.dashboard;

import java.util.Map;

/**
 * One record about a job, as the job page receives it: {@code type} is {@code submitted},
 * {@code status}, {@code epoch} or {@code evaluation}; {@code topic}, {@code partition} and
 * {@code offset} say where it was read, so a record seen both in the history and live is shown once.
 */
public record JobEvent(String type, String jobId, String topic, int partition, long offset, Map<String, Object> data) {}
