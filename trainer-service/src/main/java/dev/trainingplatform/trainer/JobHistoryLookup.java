package dev.trainingplatform.trainer;

import dev.trainingplatform.contract.AvroCodec;
import dev.trainingplatform.contract.JobStatus;
import dev.trainingplatform.contract.Topics;
import dev.trainingplatform.contract.UndecodableRecordException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;

/**
 * The latest status a job has on the compacted training.status topic: a record redelivered after a
 * crash must not run a finished job again, and an interrupted job must know which attempt comes next.
 */
@ApplicationScoped
public class JobHistoryLookup {

    private static final AvroCodec<JobStatus> STATUS = AvroCodec.of(JobStatus.class);

    @Inject
    LatestRecordLookup records;

    public Optional<JobStatus> latest(String jobId) {
        return records.latest(Topics.STATUS, jobId, bytes -> {
            try {
                return Optional.of(STATUS.decode(bytes));
            } catch (UndecodableRecordException e) {
                // Not a status: says nothing about the job.
                return Optional.empty();
            }
        });
    }
}
