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
}
