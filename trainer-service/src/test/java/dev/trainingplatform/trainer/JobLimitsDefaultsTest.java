package dev.trainingplatform.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainingplatform.ml.train.admission.JobLimits;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The trainer's configured limit defaults are JobLimits.defaults(), the one definition of them. */
class JobLimitsDefaultsTest {

    private static long defaultOf(Properties props, String key) {
        Matcher m = Pattern.compile("\\$\\{[A-Z_]+:(\\d+)}").matcher(props.getProperty(key, ""));
        assertThat(m.matches()).as(key + " = " + props.getProperty(key)).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void theServicesLimitDefaultsAreJobLimitsDefaults() throws Exception {
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("src/main/resources/application.properties"))) {
            props.load(in);
        }
        JobLimits d = JobLimits.defaults();
        assertThat(defaultOf(props, "trainer.limits.max-epochs")).isEqualTo(d.maxEpochs());
        assertThat(defaultOf(props, "trainer.limits.max-batch-size")).isEqualTo(d.maxBatchSize());
        assertThat(defaultOf(props, "trainer.limits.max-parameters")).isEqualTo(d.maxParameters());
        assertThat(defaultOf(props, "trainer.limits.max-checkpoint-bytes")).isEqualTo(d.maxCheckpointBytes());
        assertThat(defaultOf(props, "trainer.limits.max-dataset-bytes")).isEqualTo(d.maxDatasetBytes());
        assertThat(defaultOf(props, "trainer.limits.max-layers")).isEqualTo(d.maxLayers());
    }
}
