package dev.trainingplatform.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainingplatform.contract.CurvePoint;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.EvaluationError;
import dev.trainingplatform.contract.EvaluationResult;
import dev.trainingplatform.contract.PredictionExample;
import dev.trainingplatform.contract.RegressionMetrics;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Contract records as the pages read them: plain values, nested records as objects. */
class AvroMapsTest {

    @Test
    void anEvaluationBecomesPlainJsonValuesWithItsNestedRecords() {
        EvaluationResult r = EvaluationResult.newBuilder().setJobId("j").setCheckpointId("j/epoch-1").setEpoch(1)
                .setFinalCheckpoint(true).setNumSamples(2).setTestLoss(0.5)
                .setRegression(new RegressionMetrics(0.1, 0.2, 0.9, List.of(new CurvePoint(1.0, 2.0, 2.5))))
                .setExamples(List.of(new PredictionExample("a fine film", "positive", "positive")))
                .setError(new EvaluationError(ErrorCode.CHECKPOINT_INVALID, "bad"))
                .setTimestamp(Instant.ofEpochMilli(1234)).build();

        Map<String, Object> map = AvroMaps.of(r);

        assertThat(map.get("timestamp")).isEqualTo(1234L);
        assertThat(map.get("testAccuracy")).isNull();
        assertThat(map.get("testLoss")).isEqualTo(0.5);
        assertThat(map.get("error")).isEqualTo(Map.of("code", "CHECKPOINT_INVALID", "message", "bad"));
        @SuppressWarnings("unchecked")
        Map<String, Object> regression = (Map<String, Object>) map.get("regression");
        assertThat(regression.get("fittedCurve")).isEqualTo(List.of(Map.of("x", 1.0, "yTrue", 2.0, "yPredicted", 2.5)));
        assertThat(map.get("examples")).isEqualTo(List.of(Map.of("input", "a fine film", "predicted", "positive",
                "actual", "positive")));
        assertThat(map.get("confusionMatrix")).isEqualTo(List.of());
    }
}
