package dev.trainingplatform.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ResultPrinterTest {

    @Test
    void confusionMatrixColumnsLineUpUnderTheirClassNames() {
        String table = ResultPrinter.confusionMatrix(List.of("cat", "dog"), List.of(List.of(1234L, 5L), List.of(0L, 99L)));
        List<String> lines = table.lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(1)).contains("cat").endsWith("1234    5");
        assertThat(lines.get(2)).contains("dog").endsWith("0   99");
        assertThat(lines.get(0).length()).isEqualTo(lines.get(1).length());
    }

    @Test
    void anEpochThatEndedTheJobEarlySaysWhyAndABestOneIsMarked() {
        String reason = "stopped early after epoch 4: validation loss did not improve for 2 epochs, best 0.3000 at epoch 2";
        String line = ResultPrinter.epoch(dev.trainingplatform.contract.EpochMetrics.newBuilder().setJobId("j").setEpoch(4)
                .setTotalEpochs(10).setTrainLoss(0.2).setValidationLoss(0.35).setTrainSamples(1).setSamplesPerSecond(1)
                .setEpochDurationMs(1).setElapsedMs(1).setEtaMs(0).setBest(true).setStopReason(reason)
                .setTimestamp(java.time.Instant.now()).build());
        assertThat(line).contains("val loss 0.3500", "(best)").endsWith(reason);
        assertThat(ResultPrinter.status(dev.trainingplatform.contract.JobStatus.newBuilder().setJobId("j")
                .setState(dev.trainingplatform.contract.JobState.SUCCEEDED).setMessage(reason)
                .setTimestamp(java.time.Instant.now()).build())).isEqualTo("[status] j SUCCEEDED: " + reason);
    }
}
