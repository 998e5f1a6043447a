package dev.trainingplatform.ml.train.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.Shape;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.ValidationSplit;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.data.Split;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ValidationHoldoutTest {

    /** 100 samples of 2 features; sample i is (i, -i) with label i % 10. */
    private static Split hundred() {
        float[] f = new float[200];
        float[] l = new float[100];
        for (int i = 0; i < 100; i++) {
            f[2 * i] = i;
            f[2 * i + 1] = -i;
            l[i] = i % 10;
        }
        return new Split(f, new Shape(2), l);
    }

    private static Set<Integer> ids(Split s) {
        Set<Integer> ids = new HashSet<>();
        for (int i = 0; i < s.size(); i++) {
            assertThat(s.features()[2 * i + 1]).isEqualTo(-s.features()[2 * i]); // rows stay whole
            assertThat(s.labels()[i]).isEqualTo(((int) s.features()[2 * i]) % 10); // labels stay with their rows
            ids.add((int) s.features()[2 * i]);
        }
        return ids;
    }

    @Test
    void aFractionHoldsOutThatShareDisjointFromWhatIsTrainedOnAndTheSameForTheSameSeed() {
        ValidationHoldout.Parts a = ValidationHoldout.carve(hundred(), new ValidationSplit(0.1, 0, 7L));
        ValidationHoldout.Parts b = ValidationHoldout.carve(hundred(), new ValidationSplit(0.1, 0, 7L));
        ValidationHoldout.Parts c = ValidationHoldout.carve(hundred(), new ValidationSplit(0.1, 0, 8L));
        assertThat(a.validation().size()).isEqualTo(10);
        assertThat(a.train().size()).isEqualTo(90);
        Set<Integer> held = ids(a.validation());
        Set<Integer> trained = ids(a.train());
        assertThat(held).doesNotContainAnyElementsOf(trained);
        assertThat(held.size() + trained.size()).isEqualTo(100);
        assertThat(ids(b.validation())).isEqualTo(held);
        assertThat(ids(c.validation())).isNotEqualTo(held);
        // Not simply the first or last rows.
        assertThat(held).isNotEqualTo(Set.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
    }

    @Test
    void aCountHoldsOutExactlyThatMany() {
        assertThat(ValidationHoldout.carve(hundred(), new ValidationSplit(0.0, 25, 1L)).validation().size()).isEqualTo(25);
        assertThat(ValidationHoldout.carve(hundred(), null).validation()).isNull();
    }

    @Test
    void inconsistentRequestsNameTheField() {
        assertThatThrownBy(() -> ValidationHoldout.check(new ValidationSplit(0.1, 5, 1L)))
                .isInstanceOfSatisfying(JobRejectedException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_HYPERPARAMETER))
                .hasMessageContaining("not both");
        assertThatThrownBy(() -> ValidationHoldout.check(new ValidationSplit(0.0, 0, 1L))).hasMessageContaining("not neither");
        assertThatThrownBy(() -> ValidationHoldout.check(new ValidationSplit(1.5, 0, 1L)))
                .hasMessageContaining("validation.fraction must be in (0, 1), got 1.5");
        assertThatThrownBy(() -> ValidationHoldout.check(new ValidationSplit(0.0, -3, 1L)))
                .hasMessageContaining("validation.count must be positive, got -3");
        assertThatThrownBy(() -> ValidationHoldout.carve(hundred(), new ValidationSplit(0.0, 100, 1L)))
                .hasMessageContaining("holds out 100 of the 100 training samples");
    }
}
