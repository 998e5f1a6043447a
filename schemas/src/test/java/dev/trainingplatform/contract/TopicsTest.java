package dev.trainingplatform.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void aJobsPartitionIsTheOneTheProducersDefaultPartitionerPicks() {
        for (String jobId : new String[] {"fashion-mnist-1795410927170", "job-1", "", "ü-unicode", "x".repeat(200)}) {
            for (int partitions : new int[] {1, 2, 4, 7}) {
                assertThat(Topics.partitionOf(jobId, partitions)).as(jobId + " over " + partitions).isEqualTo(
                        BuiltInPartitioner.partitionForKey(jobId.getBytes(StandardCharsets.UTF_8), partitions));
            }
        }
    }
}
