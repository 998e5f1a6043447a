package dev.trainingplatform.ml.train.optimizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.trainingplatform.contract.LearningRateSchedule;
import dev.trainingplatform.contract.OptimizerSpec;
import dev.trainingplatform.contract.OptimizerType;
import dev.trainingplatform.contract.ScheduleType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each epoch's learning rate, as the schedules' definitions in the contract give it. */
class LearningRateSchedulesTest {

    private static OptimizerSpec adam(LearningRateSchedule schedule) {
        return OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(0.1).setSchedule(schedule).build();
    }

    private static List<Double> rates(LearningRateSchedule schedule, int epochs) {
        List<Double> rates = new ArrayList<>();
        for (int e = 1; e <= epochs; e++) {
            rates.add(LearningRateSchedules.of(adam(schedule), e, epochs));
        }
        return rates;
    }

    @Test
    void withoutAScheduleTheRateIsConstant() {
        assertThat(rates(null, 4)).containsExactly(0.1, 0.1, 0.1, 0.1);
        assertThat(rates(LearningRateSchedule.newBuilder().build(), 3)).containsExactly(0.1, 0.1, 0.1);
    }

    @Test
    void aStepScheduleDecaysByGammaEveryStepEpochs() {
        List<Double> r = rates(LearningRateSchedule.newBuilder().setType(ScheduleType.STEP).setStepEpochs(2).setGamma(0.5)
                .build(), 6);
        assertThat(r.get(0)).isEqualTo(0.1);
        assertThat(r.get(1)).isEqualTo(0.1);
        assertThat(r.get(2)).isCloseTo(0.05, within(1e-15));
        assertThat(r.get(3)).isCloseTo(0.05, within(1e-15));
        assertThat(r.get(4)).isCloseTo(0.025, within(1e-15));
    }

    @Test
    void cosineGoesFromTheRateToTheMinimumAfterALinearWarmUp() {
        List<Double> r = rates(LearningRateSchedule.newBuilder().setType(ScheduleType.COSINE).setWarmupEpochs(2)
                .setMinLearningRate(0.01).build(), 7);
        // Warm-up: 1/3 and 2/3 of the rate; then cosine over the remaining 5 epochs, ending at the minimum.
        assertThat(r.get(0)).isCloseTo(0.1 / 3, within(1e-15));
        assertThat(r.get(1)).isCloseTo(0.2 / 3, within(1e-15));
        assertThat(r.get(2)).isEqualTo(0.1);
        assertThat(r.get(4)).isCloseTo(0.055, within(1e-12)); // half-way: the mean of the two ends
        assertThat(r.get(6)).isCloseTo(0.01, within(1e-15));
        assertThat(r.subList(2, 7)).isSortedAccordingTo((a, b) -> Double.compare(b, a));
    }
}
