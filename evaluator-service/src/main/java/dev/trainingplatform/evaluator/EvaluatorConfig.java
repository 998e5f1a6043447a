package dev.trainingplatform.evaluator;

import dev.trainingplatform.ml.data.DataSettings;
import io.smallrye.config.ConfigMapping;
import java.util.List;

@ConfigMapping(prefix = "evaluator")
public interface EvaluatorConfig {

    Data data();

    /** Directories parameter files named by a checkpoint's parametersUri may be read from. */
    List<String> checkpointDirectories();

    interface Data extends DataSettings {
    }
}
